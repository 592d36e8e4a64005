/**
 * Uploads in progress, framework-free. Each file goes: hash (SHA-256, read in slices) →
 * `prepare` (the server checks the size and hands out a signed URL) → PUT the bytes to the
 * store → `complete` (the server checks them; the room gets `file:added`). The store below is
 * what the Files tab shows; the I/O is injected so the flow is tested without a server.
 *
 * At most `maxActive` files move at once; the rest wait in order. A retry keeps what still
 * holds (the hash; bytes already stored) and redoes the rest.
 */
import { createStore, type StoreApi } from 'zustand';
import type { completeUpload, prepareUpload } from '../api/files';
import { ApiError, isAbort } from '../api/http';
import type { FileInfo } from '../api/types';
import type { putBytes } from '../api/upload';
import type { sha256Hex } from './hash';
import { blockedTypeOf } from './fileTypes';
import { notAllowedProblem, uploadProblem, type UploadProblem } from './problems';

export type { UploadProblem };

export type UploadStage =
  /** Queued behind other uploads. */
  | 'waiting'
  /** Hashing the file ("Preparing…"). */
  | 'preparing'
  /** Sending the bytes. */
  | 'uploading'
  /** Bytes sent; the server is checking them. */
  | 'finishing'
  | 'failed';

export interface Upload {
  /** Local id, for this page only. */
  id: string;
  name: string;
  /** As the browser typed it; empty when it could not tell. */
  mimeType: string;
  sizeBytes: number;
  stage: UploadStage;
  /** Whole percent of the current stage: hashed while preparing, sent while uploading. */
  percent: number;
  /** Why it stopped, while `failed`. */
  problem: UploadProblem | null;
}

export interface UploadsState {
  /** In the order they were added. */
  uploads: Upload[];
}

export interface RoomAccess {
  code: string;
  token: string;
}

export interface UploadDeps {
  /** The room and token to upload with; null once we are no longer in a room. */
  access(): RoomAccess | null;
  hash: typeof sha256Hex;
  prepare: typeof prepareUpload;
  put: typeof putBytes;
  complete: typeof completeUpload;
  /** A file the server made visible to the room (our own, from `complete`). */
  fileAdded(file: FileInfo): void;
  /** For the polite live region ("Upload of x cancelled."). */
  announce?(text: string): void;
  /**
   * File types the room refuses (the snapshot's `blockedFileTypes`): a matching file is
   * shown as refused at once, with the server's words, and nothing is read or sent.
   */
  blockedTypes?(): readonly string[];
  maxActive?: number;
}

export interface Uploads {
  store: StoreApi<UploadsState>;
  /** Queues files (from the picker or a drop); returns their upload ids. */
  add(files: readonly File[]): string[];
  /** Stops an upload wherever it is and removes its row. */
  cancel(id: string): void;
  /** Starts a failed upload again. */
  retry(id: string): void;
  /** Removes a failed upload's row. */
  dismiss(id: string): void;
  /** Stops everything, e.g. on leaving the room. */
  cancelAll(): void;
}

/** What one upload remembers between attempts, outside the rendered state. */
interface Job {
  file: File;
  abort: AbortController | null;
  sha256: string | null;
  fileId: string | null;
  /** The store has all the bytes for `fileId`; only `complete` is left. */
  stored: boolean;
}

export const MAX_ACTIVE_UPLOADS = 2;
const ACTIVE_STAGES: ReadonlySet<UploadStage> = new Set(['preparing', 'uploading', 'finishing']);

function percentOf(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}

export function createUploads(deps: UploadDeps): Uploads {
  const store = createStore<UploadsState>()(() => ({ uploads: [] }));
  const jobs = new Map<string, Job>();
  const maxActive = Math.max(1, deps.maxActive ?? MAX_ACTIVE_UPLOADS);
  let nextId = 0;

  const find = (id: string) => store.getState().uploads.find((upload) => upload.id === id);

  function update(id: string, change: Partial<Upload>): void {
    store.setState((state) => ({
      uploads: state.uploads.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)),
    }));
  }

  function setPercent(id: string, percent: number): void {
    if (find(id)?.percent !== percent) update(id, { percent });
  }

  function remove(id: string): void {
    jobs.delete(id);
    store.setState((state) => ({ uploads: state.uploads.filter((upload) => upload.id !== id) }));
  }

  function pump(): void {
    const uploads = store.getState().uploads;
    let active = uploads.filter((upload) => ACTIVE_STAGES.has(upload.stage)).length;
    for (const upload of uploads) {
      if (active >= maxActive) break;
      if (upload.stage !== 'waiting') continue;
      active += 1;
      void run(upload.id);
    }
  }

  async function run(id: string): Promise<void> {
    const job = jobs.get(id);
    if (job === undefined) return;
    const abort = new AbortController();
    job.abort = abort;
    const signal = abort.signal;
    const current = () => jobs.get(id) === job && !signal.aborted;
    const { file } = job;
    const resumeAt: UploadStage = job.stored ? 'finishing' : job.sha256 === null ? 'preparing' : 'uploading';
    update(id, { stage: resumeAt, percent: resumeAt === 'finishing' ? 100 : 0, problem: null });
    try {
      const access = deps.access();
      if (access === null) throw new ApiError('unauthorized', 'Not in a room.', 401);
      if (!job.stored || job.fileId === null) {
        if (job.sha256 === null) {
          job.sha256 = await deps.hash(file, {
            signal,
            onProgress: (hashed, total) => current() && setPercent(id, percentOf(hashed, total)),
          });
        }
        const declaration = {
          filename: file.name,
          mimeType: file.type || 'application/octet-stream',
          sizeBytes: file.size,
          sha256: job.sha256,
        };
        const prepared = await deps.prepare(access.code, access.token, declaration, signal);
        job.fileId = prepared.fileId;
        if (!current()) return;
        update(id, { stage: 'uploading', percent: 0 });
        await deps.put(prepared.upload, file, {
          signal,
          onProgress: (sent, total) => current() && setPercent(id, percentOf(sent, total)),
        });
        job.stored = true;
      }
      if (!current()) return;
      update(id, { stage: 'finishing', percent: 100 });
      const shared = await deps.complete(access.code, access.token, job.fileId!, signal);
      // Even if cancelled at the last moment, the file is in the room now: show it.
      deps.fileAdded(shared);
      remove(id);
    } catch (error) {
      if (!current() || isAbort(error)) return;
      forgetWhatNoLongerHolds(job, error);
      const problem = uploadProblem(error, file.name);
      update(id, { stage: 'failed', problem });
    } finally {
      if (job.abort === abort) job.abort = null;
      pump();
    }
  }

  function forgetWhatNoLongerHolds(job: Job, error: unknown): void {
    if (!(error instanceof ApiError)) return;
    if (error.code === 'checksum_mismatch') job.sha256 = null; // the file changed on disk
    if (['checksum_mismatch', 'upload_incomplete', 'file_not_found', 'upload_expired'].includes(error.code)) {
      job.fileId = null;
      job.stored = false;
    }
  }

  return {
    store,
    add(files) {
      const blocked = deps.blockedTypes?.() ?? [];
      const added: Upload[] = files.map((file) => {
        const id = `upload-${++nextId}`;
        jobs.set(id, { file, abort: null, sha256: null, fileId: null, stored: false });
        const upload: Upload = { id, name: file.name, mimeType: file.type, sizeBytes: file.size, stage: 'waiting', percent: 0, problem: null };
        const refusedType = blockedTypeOf(file, blocked);
        return refusedType === null ? upload : { ...upload, stage: 'failed', problem: notAllowedProblem(refusedType) };
      });
      store.setState((state) => ({ uploads: [...state.uploads, ...added] }));
      pump();
      return added.map((upload) => upload.id);
    },
    cancel(id) {
      const upload = find(id);
      const job = jobs.get(id);
      if (upload === undefined) return;
      job?.abort?.abort();
      remove(id);
      if (upload.stage !== 'failed') deps.announce?.(`Upload of ${upload.name} cancelled.`);
      pump();
    },
    retry(id) {
      const upload = find(id);
      if (upload === undefined || upload.stage !== 'failed') return;
      update(id, { stage: 'waiting', percent: 0, problem: null });
      pump();
    },
    dismiss(id) {
      if (find(id)?.stage === 'failed') remove(id);
    },
    cancelAll() {
      for (const job of jobs.values()) job.abort?.abort();
      jobs.clear();
      store.setState({ uploads: [] });
    },
  };
}

/** What an upload's row shows and offers, in words. */
export interface UploadView {
  /** "Preparing… 42%", "Uploading… 42%", "Finishing…", "Waiting…", or the problem. */
  status: string;
  /** The progress bar's name ("Uploading report.pdf"), null when there is no bar. */
  progressLabel: string | null;
  canCancel: boolean;
  canRetry: boolean;
  canDismiss: boolean;
}

export function describeUpload(upload: Upload): UploadView {
  const active = { canCancel: true, canRetry: false, canDismiss: false };
  switch (upload.stage) {
    case 'waiting':
      return { status: 'Waiting…', progressLabel: null, ...active };
    case 'preparing':
      return { status: `Preparing… ${upload.percent}%`, progressLabel: `Preparing ${upload.name}`, ...active };
    case 'uploading':
      return { status: `Uploading… ${upload.percent}%`, progressLabel: `Uploading ${upload.name}`, ...active };
    case 'finishing':
      return { status: 'Finishing…', progressLabel: `Uploading ${upload.name}`, ...active };
    case 'failed':
      return {
        status: upload.problem?.text ?? 'Upload failed.',
        progressLabel: null,
        canCancel: false,
        canRetry: upload.problem?.retryable ?? true,
        canDismiss: true,
      };
  }
}
