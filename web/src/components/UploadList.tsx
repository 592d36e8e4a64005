import { useEffect, useRef } from 'react';
import { formatSize, fileKind } from '../files/format';
import { cancelUpload, dismissUpload, retryUpload } from '../files/fileSession';
import { useUploads } from '../files/hooks';
import { describeUpload, type Upload } from '../files/uploads';
import { FileKindText, FileTypeIcon } from './FileTypeIcon';
import { Icon } from './icons';

export function UploadRow({ upload, onRowGone }: { upload: Upload; onRowGone?: () => void }) {
  const view = describeUpload(upload);
  const kind = fileKind(upload.mimeType, upload.name);
  const failed = upload.stage === 'failed';
  // "Retry" goes away as the upload restarts; keyboard focus moves on to its "Cancel".
  const cancelButton = useRef<HTMLButtonElement>(null);
  const focusCancel = useRef(false);
  useEffect(() => {
    if (focusCancel.current && view.canCancel) {
      focusCancel.current = false;
      cancelButton.current?.focus();
    }
  }, [view.canCancel]);
  return (
    <li className={`upload${failed ? ' upload-failed' : ''}`} data-upload-stage={upload.stage}>
      <FileTypeIcon kind={kind} />
      <div className="file-body">
        <div className="file-title">
          <FileKindText kind={kind} />
          <span className="file-name" title={upload.name}>
            {upload.name}
          </span>
          <span className="file-size">{formatSize(upload.sizeBytes)}</span>
        </div>
        {view.progressLabel !== null && (
          <div
            className={`progress${upload.stage === 'preparing' ? ' progress-preparing' : ''}`}
            role="progressbar"
            aria-label={view.progressLabel}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={upload.percent}
          >
            <div className="progress-value" style={{ width: `${upload.percent}%` }} />
          </div>
        )}
        {failed ? (
          <p className="upload-problem" role="alert">
            <Icon name="alert" className="icon icon-small" />
            {view.status}
          </p>
        ) : (
          <p className="upload-status">{view.status}</p>
        )}
        {(view.canRetry || view.canDismiss) && (
          <div className="upload-actions">
            {view.canRetry && (
              <button
                type="button"
                className="button secondary small"
                aria-label={`Retry upload of ${upload.name}`}
                onClick={() => {
                  focusCancel.current = true;
                  retryUpload(upload.id);
                }}
              >
                <Icon name="retry" className="icon icon-small" />
                Retry
              </button>
            )}
            {view.canDismiss && (
              <button
                type="button"
                className="button secondary small"
                aria-label={`Dismiss ${upload.name}`}
                onClick={() => {
                  dismissUpload(upload.id);
                  onRowGone?.();
                }}
              >
                Dismiss
              </button>
            )}
          </div>
        )}
      </div>
      {view.canCancel && (
        <button
          ref={cancelButton}
          type="button"
          className="icon-button"
          aria-label={`Cancel upload of ${upload.name}`}
          title="Cancel upload"
          onClick={() => {
            cancelUpload(upload.id);
            onRowGone?.();
          }}
        >
          <Icon name="close" />
        </button>
      )}
    </li>
  );
}

/** Uploads in progress (and those that stopped, with why and "Retry"), oldest first. */
export function UploadList({ onRowGone }: { onRowGone?: () => void }) {
  const uploads = useUploads((s) => s.uploads);
  const count = useRef(uploads.length);
  useEffect(() => {
    // A finished upload's row goes away by itself; if focus was in it, it lands on the page.
    const focusLost = document.activeElement === null || document.activeElement === document.body;
    if (uploads.length < count.current && focusLost) onRowGone?.();
    count.current = uploads.length;
  }, [uploads.length, onRowGone]);
  if (uploads.length === 0) return null;
  return (
    <section className="files-section" aria-labelledby="uploads-heading">
      <h2 id="uploads-heading" className="files-heading">
        Uploads
      </h2>
      <ul className="file-list" aria-labelledby="uploads-heading">
        {uploads.map((upload) => (
          <UploadRow key={upload.id} upload={upload} onRowGone={onRowGone} />
        ))}
      </ul>
    </section>
  );
}
