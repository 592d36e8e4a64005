/** Test doubles for the files code: shared-file records and an XMLHttpRequest you drive by hand. */
import type { FileInfo } from '../api/types';
import type { XhrLike } from '../api/upload';

export function sharedFile(id: string, createdAt: string, uploader = { id: 'a', displayName: 'Alice' }): FileInfo {
  return {
    id,
    filename: `${id}.txt`,
    mimeType: 'text/plain',
    sizeBytes: 10,
    sha256: '0'.repeat(64),
    uploader,
    createdAt,
  };
}

function progressEvent(loaded: number, total: number, lengthComputable = true): ProgressEvent {
  return { loaded, total, lengthComputable } as ProgressEvent;
}

/**
 * Records what was sent; the test answers with `progress`, `respond`, `failNetwork`. Every
 * instance that was sent lands in `FakeXhr.sent`, newest last.
 */
export class FakeXhr implements XhrLike {
  static sent: FakeXhr[] = [];

  static latest(): FakeXhr {
    const xhr = FakeXhr.sent.at(-1);
    if (xhr === undefined) throw new Error('no XMLHttpRequest was sent');
    return xhr;
  }

  status = 0;
  responseText = '';
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: ((event: ProgressEvent) => void) | null = null;
  onerror: ((event: ProgressEvent) => void) | null = null;
  ontimeout: ((event: ProgressEvent) => void) | null = null;
  onabort: ((event: ProgressEvent) => void) | null = null;
  method = '';
  url = '';
  readonly requestHeaders: Record<string, string> = {};
  body: Blob | null = null;
  aborted = false;
  private responseHeaders: Record<string, string> = {};

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.requestHeaders[name] = value;
  }

  getResponseHeader(name: string): string | null {
    return this.responseHeaders[name.toLowerCase()] ?? null;
  }

  send(body: Blob): void {
    this.body = body;
    FakeXhr.sent.push(this);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.onabort?.(progressEvent(0, 0));
  }

  /** The browser reports `loaded` bytes of the body sent. */
  progress(loaded: number): void {
    this.upload.onprogress?.(progressEvent(loaded, this.body?.size ?? 0));
  }

  respond(status: number, text = '', contentType = 'application/json'): void {
    this.status = status;
    this.responseText = text;
    this.responseHeaders = { 'content-type': contentType };
    this.onload?.(progressEvent(0, 0));
  }

  failNetwork(): void {
    this.onerror?.(progressEvent(0, 0));
  }
}
