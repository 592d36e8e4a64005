/**
 * Sends a file's bytes to the signed URL from `files/prepare`. XMLHttpRequest rather than
 * fetch because only XHR reports upload progress; cancelling aborts it.
 */
import { ApiError, errorFromResponse } from './http';
import type { UploadTarget } from './types';

/** The part of XMLHttpRequest used here (tests pass a fake). */
export interface XhrLike {
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  ontimeout: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob): void;
  abort(): void;
}

export interface PutOptions {
  /** Bytes sent so far out of the body's size. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  createRequest?: () => XhrLike;
}

/** Headers a page may not set; the browser derives them from the body itself. */
const BROWSER_OWNED_HEADERS = new Set(['content-length', 'host', 'connection', 'expect']);

function abortError(): DOMException {
  return new DOMException('The upload was cancelled.', 'AbortError');
}

/**
 * A failed PUT as an ApiError: 403 means the signature no longer fits (expired, or used for
 * other bytes). The local store answers in the protocol's JSON, S3 in XML; the status decides,
 * except for S3's refusal of bytes that do not match the signed checksum (the file changed).
 */
async function putError(xhr: XhrLike): Promise<ApiError> {
  if (xhr.status === 403) return new ApiError('upload_expired', 'The upload link expired.', 403);
  if (xhr.status === 400 && /<Code>(BadDigest|InvalidDigest)<\/Code>/.test(xhr.responseText)) {
    return new ApiError('checksum_mismatch', 'The bytes sent are not the declared ones.', 400);
  }
  if (xhr.status < 200 || xhr.status > 599) {
    return new ApiError('unreachable', 'The file store did not answer.', xhr.status);
  }
  const contentType = xhr.getResponseHeader('Content-Type') ?? 'text/plain';
  return errorFromResponse(new Response(xhr.responseText, { status: xhr.status, headers: { 'Content-Type': contentType } }));
}

/** PUTs `body` to the signed URL with its headers. Rejects with an ApiError, or an AbortError when cancelled. */
export function putBytes(target: UploadTarget, body: Blob, options: PutOptions = {}): Promise<void> {
  const { onProgress, signal } = options;
  if (signal?.aborted) return Promise.reject(abortError());
  const xhr = options.createRequest?.() ?? (new XMLHttpRequest() as XhrLike);
  return new Promise<void>((resolve, reject) => {
    const onAbortSignal = () => xhr.abort();
    const settle = (outcome: () => void) => {
      signal?.removeEventListener('abort', onAbortSignal);
      xhr.upload.onprogress = null;
      outcome();
    };
    xhr.upload.onprogress = (event) => {
      onProgress?.(event.loaded, event.lengthComputable ? event.total : body.size);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        settle(() => {
          onProgress?.(body.size, body.size);
          resolve();
        });
      } else {
        void putError(xhr).then((error) => settle(() => reject(error)));
      }
    };
    xhr.onerror = () => settle(() => reject(new ApiError('unreachable', 'The connection to the file store was lost.')));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => settle(() => reject(abortError()));
    signal?.addEventListener('abort', onAbortSignal);

    xhr.open(target.method || 'PUT', target.url);
    for (const [name, value] of Object.entries(target.headers)) {
      if (!BROWSER_OWNED_HEADERS.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.send(body);
  });
}
