/** How a shared file is described in words: its kind, its size, when it was shared, by whom. */

export type FileKind = 'image' | 'video' | 'audio' | 'pdf' | 'archive' | 'text' | 'other';

const ARCHIVE_TYPES = new Set([
  'application/zip',
  'application/x-zip-compressed',
  'application/x-tar',
  'application/gzip',
  'application/x-gzip',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
  'application/x-7z-compressed',
  'application/vnd.rar',
  'application/x-rar-compressed',
]);

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-yaml',
  'application/yaml',
  'application/x-sh',
  'application/sql',
]);

/** For files the browser could not type (mimeType empty or application/octet-stream). */
const KIND_BY_EXTENSION: Record<string, FileKind> = {
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', webp: 'image', svg: 'image', heic: 'image', avif: 'image',
  mp4: 'video', mov: 'video', webm: 'video', mkv: 'video', avi: 'video',
  mp3: 'audio', wav: 'audio', ogg: 'audio', flac: 'audio', m4a: 'audio', opus: 'audio',
  pdf: 'pdf',
  zip: 'archive', tar: 'archive', gz: 'archive', tgz: 'archive', bz2: 'archive', xz: 'archive',
  zst: 'archive', '7z': 'archive', rar: 'archive',
  txt: 'text', md: 'text', csv: 'text', json: 'text', xml: 'text', yaml: 'text', yml: 'text', log: 'text',
};

/** The file's family, from its MIME type, else from its extension. */
export function fileKind(mimeType: string, filename = ''): FileKind {
  const type = mimeType.toLowerCase().split(';')[0]!.trim();
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  if (type.startsWith('audio/')) return 'audio';
  if (type === 'application/pdf') return 'pdf';
  if (ARCHIVE_TYPES.has(type)) return 'archive';
  if (type.startsWith('text/') || TEXT_TYPES.has(type)) return 'text';
  const dot = filename.lastIndexOf('.');
  if (dot <= 0) return 'other';
  return KIND_BY_EXTENSION[filename.slice(dot + 1).toLowerCase()] ?? 'other';
}

/** The words that stand in for the type icon. */
export const KIND_LABEL: Record<FileKind, string> = {
  image: 'Image',
  video: 'Video',
  audio: 'Audio',
  pdf: 'PDF document',
  archive: 'Archive',
  text: 'Text',
  other: 'File',
};

const UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** "512 B", "1.5 KB", "5.0 MB", "1.2 GB" (powers of 1024, one decimal). */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes / 1024;
  let unit = 0;
  // Round first so that 1023.96 KB reads "1.0 MB", not "1024.0 KB".
  while (Math.round(value * 10) / 10 >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * "just now", "3 min ago", "2 h ago", "yesterday", "4 days ago", then the date ("12 Nov",
 * with the year when it is not this one). A time slightly in the future (clocks disagree)
 * is "just now".
 */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return '';
  const elapsed = now - time;
  if (elapsed < MINUTE) return 'just now';
  if (elapsed < HOUR) return `${Math.floor(elapsed / MINUTE)} min ago`;
  if (elapsed < DAY) return `${Math.floor(elapsed / HOUR)} h ago`;
  if (elapsed < 2 * DAY) return 'yesterday';
  if (elapsed < 7 * DAY) return `${Math.floor(elapsed / DAY)} days ago`;
  const date = new Date(time);
  const sameYear = date.getFullYear() === new Date(now).getFullYear();
  const day = `${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return sameYear ? day : `${day} ${date.getFullYear()}`;
}

/** Who shared a file, as the history shows it: "you" for yourself. */
export function uploaderName(uploader: { id: string; displayName: string }, selfId: string | null): string {
  if (selfId !== null && uploader.id === selfId) return 'you';
  return uploader.displayName || 'Someone';
}
