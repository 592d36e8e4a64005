/**
 * The room's file type policy (docs/protocol.md, "File types"): the snapshot's
 * `blockedFileTypes` lists extensions (`.exe`), MIME types (`application/x-msdownload`) and
 * families (`video/*`). The server refuses a match at `prepare` (415
 * `file_type_not_allowed`); the Files tab says so before a person picks, and refuses a
 * matching file itself with the server's words instead of hashing it first.
 */

/** The name's last extension, lowercased with its dot (`.gz` for `a.tar.gz`); '' without one. */
export function lastExtension(filename: string): string {
  const name = filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
  const dot = name.lastIndexOf('.');
  // ".bashrc" is a hidden file's name, not an extension; "name." has none.
  if (dot <= 0 || dot === name.length - 1) return '';
  return name.slice(dot).toLowerCase();
}

/** `type/subtype`, lowercased, parameters dropped; '' when the browser could not tell. */
function essence(mimeType: string): string {
  return (mimeType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The type that refuses this file, as the server names it: the entry of `blocked` (lowercased)
 * for an extension or a MIME type, the file's own type for a family (`video/*` → `video/mp4`);
 * null when the file may be shared. The extension is checked first, then the MIME type,
 * exactly or by family.
 */
export function blockedTypeOf(file: { name: string; type: string }, blocked: readonly string[]): string | null {
  if (blocked.length === 0) return null;
  const entries = blocked.map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  const extension = lastExtension(file.name);
  if (extension !== '') {
    const match = entries.find((entry) => entry.startsWith('.') && entry === extension);
    if (match !== undefined) return match;
  }
  const mime = essence(file.type);
  if (mime === '' || !mime.includes('/')) return null;
  const family = `${mime.slice(0, mime.indexOf('/'))}/*`;
  if (entries.includes(mime)) return mime;
  // A family is named by the file's own type, as the server does ("video/mp4").
  return entries.includes(family) ? mime : null;
}

/** The same sentence as the server's 415. */
export function notAllowedText(type: string): string {
  return `Files of type ${type} are not allowed in this room`;
}

/** The Files tab's note before anyone picks; null when nothing is blocked. */
export function blockedListText(blocked: readonly string[]): string | null {
  const entries = blocked.map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.length === 0 ? null : `Not allowed in this room: ${entries.join(', ')}`;
}
