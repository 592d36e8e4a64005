import { useState } from 'react';
import type { FileInfo } from '../api/types';
import { downloadProblemText } from '../files/download';
import { downloadFile } from '../files/fileSession';
import { newestFirst } from '../files/fileList';
import { fileKind, formatSize, relativeTime, uploaderName } from '../files/format';
import { useNow } from '../files/hooks';
import { useRoom } from '../store/roomStore';
import { FileKindText, FileTypeIcon } from './FileTypeIcon';
import { Icon } from './icons';

export function SharedFileRow({ file, selfId, now }: { file: FileInfo; selfId: string | null; now: number }) {
  const [problem, setProblem] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const kind = fileKind(file.mimeType, file.filename);
  const when = relativeTime(file.createdAt, now);
  const sharedAt = Date.parse(file.createdAt);

  async function download() {
    if (pending) return;
    setPending(true);
    setProblem(null);
    try {
      await downloadFile(file);
    } catch (error) {
      setProblem(downloadProblemText(error));
    } finally {
      setPending(false);
    }
  }

  return (
    <li className="shared-file" data-file-id={file.id}>
      <FileTypeIcon kind={kind} />
      <div className="file-body">
        <div className="file-title">
          <FileKindText kind={kind} />
          <span className="file-name" title={file.filename}>
            {file.filename}
          </span>
        </div>
        <p className="file-meta">
          <span className="file-size">{formatSize(file.sizeBytes)}</span>
          <span aria-hidden="true"> · </span>
          <span className="visually-hidden">, shared by </span>
          <span className="file-uploader">{uploaderName(file.uploader, selfId)}</span>
          {when !== '' && (
            <>
              <span aria-hidden="true"> · </span>
              <span className="visually-hidden">, </span>
              <time dateTime={file.createdAt} title={Number.isNaN(sharedAt) ? undefined : new Date(sharedAt).toLocaleString()}>
                {when}
              </time>
            </>
          )}
        </p>
        {problem !== null && (
          <p className="file-problem" role="alert">
            {problem}
          </p>
        )}
      </div>
      <button
        type="button"
        className="icon-button file-download"
        aria-label={`Download ${file.filename}`}
        title="Download"
        aria-busy={pending || undefined}
        onClick={() => void download()}
      >
        <Icon name="download" />
      </button>
    </li>
  );
}

/** The history itself: newest first, or a line saying there is none yet. */
export function SharedFileList({ files, selfId, now }: { files: FileInfo[]; selfId: string | null; now: number }) {
  if (files.length === 0) {
    return <p className="files-empty muted">No files yet. Files shared here stay for everyone in the room.</p>;
  }
  return (
    <ul className="file-list" aria-label="Shared files">
      {newestFirst(files).map((file) => (
        <SharedFileRow key={file.id} file={file} selfId={selfId} now={now} />
      ))}
    </ul>
  );
}

/** Every file shared in the room, newest first, each with "Download <filename>". */
export function FileHistory() {
  const files = useRoom((s) => s.files);
  const selfId = useRoom((s) => s.selfId);
  const now = useNow();
  return (
    <section className="files-section" aria-labelledby="shared-files-heading">
      <h2 id="shared-files-heading" className="files-heading">
        Shared files
      </h2>
      <SharedFileList files={files} selfId={selfId} now={now} />
    </section>
  );
}
