import { useEffect, useRef, useState, type ChangeEvent, type DragEvent, type RefObject } from 'react';
import { shareFiles } from '../files/fileSession';
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
function DropZone({ buttonRef }: { buttonRef: RefObject<HTMLButtonElement | null> }) {
  const input = useRef<HTMLInputElement>(null);
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
      <button type="button" className="button primary" ref={buttonRef} onClick={() => input.current?.click()}>
        Upload files
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        aria-label="Files to upload"
        data-testid="file-input"
        onChange={onPicked}
      />
    </div>
  );
}

/** The Files tab: share (drop zone, "Upload files"), uploads in progress, then the history. */
export function FilesPanel() {
  const uploadButton = useRef<HTMLButtonElement>(null);
  // A row that goes away (cancelled, dismissed) takes the focused button with it.
  const refocus = () => uploadButton.current?.focus({ preventScroll: true });
  return (
    <div className="files-panel">
      <DropZone buttonRef={uploadButton} />
      <UploadList onRowGone={refocus} />
      <FileHistory />
    </div>
  );
}
