import { useEffect, useRef, useState, type ChangeEvent, type DragEvent, type RefObject } from 'react';
import { shareFiles } from '../files/fileSession';
import { blockedListText } from '../files/fileTypes';
import { useRoom } from '../store/roomStore';
import { FileHistory } from './FileHistory';
import { Icon } from './icons';
import { UploadList } from './UploadList';

function carriesFiles(dataTransfer: DataTransfer | null): boolean {
  return dataTransfer !== null && Array.from(dataTransfer.types).includes('Files');
}

/**
 * A file dropped anywhere else on the room page would make the browser open it in place of
 * the room (and drop the call). Outside the drop zone, refuse the drop instead.
 */
function useRefuseStrayDrops(): void {
  useEffect(() => {
    const onDragOver = (event: globalThis.DragEvent) => {
      if (event.defaultPrevented || !carriesFiles(event.dataTransfer)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = 'none';
    };
    const onDrop = (event: globalThis.DragEvent) => {
      if (carriesFiles(event.dataTransfer)) event.preventDefault();
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
}

/** The drop zone with its "Upload files" button (a hidden multi-file input behind it). */
export function DropZone({
  buttonRef,
  blockedTypes,
}: {
  buttonRef: RefObject<HTMLButtonElement | null>;
  /** The room's `blockedFileTypes`. */
  blockedTypes: readonly string[];
}) {
  const input = useRef<HTMLInputElement>(null);
  // Said before anyone picks (the picker's `accept` can only list what is allowed); a
  // matching file is refused in its upload row with the server's words.
  const notAllowed = blockedListText(blockedTypes);
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  useRefuseStrayDrops();

  function onDragEnter(event: DragEvent<HTMLDivElement>) {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    depth.current += 1;
    setDragging(true);
  }

  function onDragOver(event: DragEvent<HTMLDivElement>) {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }

  function onDragLeave() {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    shareFiles(Array.from(event.dataTransfer.files));
  }

  function onPicked(event: ChangeEvent<HTMLInputElement>) {
    shareFiles(Array.from(event.target.files ?? []));
    event.target.value = ''; // picking the same file again still counts
  }

  return (
    <div
      className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
      data-testid="drop-zone"
    >
      <Icon name="upload" className="icon drop-zone-icon" />
      <p className="drop-zone-text">
        {dragging ? 'Drop to share with the room' : <span className="drop-zone-hint">Drop files here or</span>}
      </p>
      <button
        type="button"
        className="button primary"
        ref={buttonRef}
        aria-describedby={notAllowed === null ? undefined : 'files-not-allowed'}
        onClick={() => input.current?.click()}
      >
        Upload files
      </button>
      {notAllowed !== null && (
        <p id="files-not-allowed" className="drop-zone-policy">
          {notAllowed}
        </p>
      )}
      <input
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        aria-label="Files to upload"
        aria-describedby={notAllowed === null ? undefined : 'files-not-allowed'}
        data-testid="file-input"
        onChange={onPicked}
      />
    </div>
  );
}

/** The Files tab: share (drop zone, "Upload files"), uploads in progress, then the history. */
export function FilesPanel() {
  const uploadButton = useRef<HTMLButtonElement>(null);
  const blockedTypes = useRoom((s) => s.blockedFileTypes);
  // A row that goes away (cancelled, dismissed) takes the focused button with it.
  const refocus = () => uploadButton.current?.focus({ preventScroll: true });
  return (
    <div className="files-panel">
      <DropZone buttonRef={uploadButton} blockedTypes={blockedTypes} />
      <UploadList onRowGone={refocus} />
      <FileHistory />
    </div>
  );
}
