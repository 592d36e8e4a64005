/**
 * "Download <filename>": ask the server for a short-lived signed URL (with our bearer token),
 * then let the browser fetch it as a normal download. The store serves it as an attachment,
 * so the page stays where it is, even when the URL is on another origin (S3), where the
 * `download` attribute itself is ignored.
 */
import { fetchDownloadLink } from '../api/files';
import { ApiError } from '../api/http';
import type { FileInfo } from '../api/types';
import { errorText } from '../lib/errorText';
import type { RoomAccess } from './uploads';

/** Clicks a hidden `<a href download>`: the browser's own download, with its usual UI. */
export function triggerBrowserDownload(url: string, filename: string, doc: Document = document): void {
  const anchor = doc.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  doc.body.append(anchor);
  anchor.click();
  anchor.remove();
}

export interface DownloadDeps {
  access(): RoomAccess | null;
  fetchLink?: typeof fetchDownloadLink;
  trigger?: (url: string, filename: string) => void;
}

/** Starts the download of a shared file. Rejects with an ApiError when there is no link to follow. */
export async function downloadSharedFile(file: FileInfo, deps: DownloadDeps): Promise<void> {
  const access = deps.access();
  if (access === null) throw new ApiError('unauthorized', 'Not in a room.', 401);
  const link = await (deps.fetchLink ?? fetchDownloadLink)(file.id, access.token);
  (deps.trigger ?? triggerBrowserDownload)(link.url, file.filename);
}

/** "Download failed: …" in words, for the file's row. */
export function downloadProblemText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'file_not_found') return 'Download failed: that file is no longer in this room.';
  const reason = errorText(error);
  return `Download failed: ${reason[0]!.toLowerCase()}${reason.slice(1)}`;
}
