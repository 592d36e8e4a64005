/**
 * REST calls for the room's shared files (protocol.md, "REST"). The bytes themselves go
 * straight to the store's signed URLs (`upload.ts` for the PUT; downloads are navigations).
 */
import { request } from './http';
import { getWithRetry } from './retry';
import { parseCompletedFile, parseDownloadLink, parseFileListBody, parsePreparedUpload } from './parse';
import type { DownloadLink, FileInfo, PreparedUpload } from './types';
import { formatRoomCode } from '../lib/roomCode';

/** What `prepare` declares about a file before its bytes are sent. */
export interface FileDeclaration {
  filename: string;
  mimeType: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the whole file. */
  sha256: string;
}

function filesUrl(code: string, action = ''): string {
  const base = `/api/rooms/${encodeURIComponent(formatRoomCode(code))}/files`;
  return action === '' ? base : `${base}/${action}`;
}

/**
 * Announces an upload and gets the signed URL to PUT the bytes to. A file over the server's
 * limit fails here with `payload_too_large` (its message names the limit).
 */
export async function prepareUpload(
  code: string,
  token: string,
  declaration: FileDeclaration,
  signal?: AbortSignal,
): Promise<PreparedUpload> {
  return parsePreparedUpload(await request('POST', filesUrl(code, 'prepare'), { body: declaration, token, signal }));
}

/**
 * Tells the server the bytes are stored; it checks size (and checksum where the store can)
 * and makes the file visible to the room. Safe to call again: the same file comes back.
 */
export async function completeUpload(code: string, token: string, fileId: string, signal?: AbortSignal): Promise<FileInfo> {
  return parseCompletedFile(await request('POST', filesUrl(code, 'complete'), { body: { fileId }, token, signal }));
}

/** The room's files, oldest first. Retried on network errors and 503 (retry.ts). */
export async function listFiles(code: string, token: string, signal?: AbortSignal): Promise<FileInfo[]> {
  return parseFileListBody(await getWithRetry(filesUrl(code), { token, signal }));
}

/** A short-lived signed URL for the file's bytes, served as an attachment. Retried like the list. */
export async function fetchDownloadLink(fileId: string, token: string, signal?: AbortSignal): Promise<DownloadLink> {
  const path = `/api/files/${encodeURIComponent(fileId)}/download`;
  return parseDownloadLink(await getWithRetry(path, { token, signal }));
}
