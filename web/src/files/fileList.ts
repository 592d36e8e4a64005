/**
 * The room's file history as a list: one entry per file id, oldest first (the server's
 * order), whichever way a file arrived (snapshot, `file:added`, our own `complete`).
 */
import type { FileInfo } from '../api/types';

function timeOf(file: FileInfo): number {
  const time = Date.parse(file.createdAt);
  // A file without a readable time has just arrived as far as we can tell.
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/**
 * `known` plus `incoming`, deduplicated by id (the incoming copy wins), oldest first; files
 * shared at the same instant keep the order they arrived in. Returns `known` itself when
 * nothing changed, so a store update with it re-renders nothing.
 */
export function mergeFiles(known: FileInfo[], incoming: FileInfo[]): FileInfo[] {
  if (incoming.length === 0) return known;
  const byId = new Map(known.map((file) => [file.id, file]));
  let changed = false;
  for (const file of incoming) {
    const old = byId.get(file.id);
    if (old !== undefined && sameFile(old, file)) continue;
    byId.set(file.id, file); // a known id keeps its place
    changed = true;
  }
  if (!changed) return known;
  return [...byId.values()]
    .map((file, index) => ({ file, index, time: timeOf(file) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map((entry) => entry.file);
}

function sameFile(a: FileInfo, b: FileInfo): boolean {
  return (
    a.filename === b.filename &&
    a.mimeType === b.mimeType &&
    a.sizeBytes === b.sizeBytes &&
    a.sha256 === b.sha256 &&
    a.createdAt === b.createdAt &&
    a.uploader.id === b.uploader.id &&
    a.uploader.displayName === b.uploader.displayName
  );
}

/** Files in `incoming` that `known` does not have yet, in `incoming`'s order, once each. */
export function unseenFiles(known: FileInfo[], incoming: FileInfo[]): FileInfo[] {
  const seen = new Set(known.map((file) => file.id));
  const unseen: FileInfo[] = [];
  for (const file of incoming) {
    if (seen.has(file.id)) continue;
    seen.add(file.id);
    unseen.push(file);
  }
  return unseen;
}

/** The order the history shows: the newest file on top. */
export function newestFirst(files: FileInfo[]): FileInfo[] {
  return [...files].reverse();
}
