/**
 * The Files tab's flows for the current room: the one upload queue and downloads, wired to
 * the REST client, the room session's token and the room store. Components call these and
 * read the uploads through `useUploads`.
 */
import { completeUpload, prepareUpload } from '../api/files';
import type { FileInfo } from '../api/types';
import { putBytes } from '../api/upload';
import { currentRoomAccess } from '../store/roomSession';
import { announce, applyFileAdded, roomStore } from '../store/roomStore';
import { downloadSharedFile } from './download';
import { sha256Hex } from './hash';
import { createUploads } from './uploads';

export const uploads = createUploads({
  access: currentRoomAccess,
  hash: sha256Hex,
  prepare: prepareUpload,
  put: putBytes,
  complete: completeUpload,
  fileAdded: (file) => roomStore.setState((state) => applyFileAdded(state, file)),
  announce: (text) => roomStore.setState((state) => announce(state, text)),
  blockedTypes: () => roomStore.getState().blockedFileTypes,
});

export function shareFiles(files: readonly File[]): void {
  if (files.length > 0) uploads.add(files);
}

export const cancelUpload = (id: string): void => uploads.cancel(id);
export const retryUpload = (id: string): void => uploads.retry(id);
export const dismissUpload = (id: string): void => uploads.dismiss(id);
/** Uploads belong to being in the room: leaving it (or losing the token) stops them. */
export const cancelAllUploads = (): void => uploads.cancelAll();

export function downloadFile(file: FileInfo): Promise<void> {
  return downloadSharedFile(file, { access: currentRoomAccess });
}
