import { afterEach, describe, expect, it } from 'vitest';
import { FakeXhr } from '../files/fakes';
import { putBytes } from './upload';

const target = {
  method: 'PUT',
  url: 'http://127.0.0.1:1/api/blobs/k?sig=abc',
  headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '10', 'x-amz-meta-x': '1' },
  expiresAt: '',
};

const body = new Blob([new Uint8Array(1000)]);

function put(options: Parameters<typeof putBytes>[2] = {}) {
  return putBytes(target, body, { createRequest: () => new FakeXhr(), ...options });
}

afterEach(() => {
  FakeXhr.sent = [];
});

describe('putBytes', () => {
  it('PUTs the body with the signed headers and reports progress', async () => {
    const progress: number[] = [];
    const done = put({ onProgress: (loaded, total) => progress.push(Math.round((loaded / total) * 100)) });
    const xhr = FakeXhr.latest();
    expect(xhr.method).toBe('PUT');
    expect(xhr.url).toBe(target.url);
    expect(xhr.body).toBe(body);
    // Content-Length belongs to the browser; the rest is sent as signed.
    expect(xhr.requestHeaders).toEqual({ 'Content-Type': 'application/octet-stream', 'x-amz-meta-x': '1' });
    xhr.progress(250);
    xhr.progress(1000);
    xhr.respond(204);
    await done;
    expect(progress).toEqual([25, 100, 100]);
  });

  it('a 403 means the link expired, from the local store (JSON) or S3 (XML)', async () => {
    const local = put();
    FakeXhr.latest().respond(403, JSON.stringify({ error: { code: 'forbidden', message: 'Upload URL expired' } }));
    await expect(local).rejects.toMatchObject({ code: 'upload_expired', status: 403 });

    const s3 = put();
    FakeXhr.latest().respond(403, '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', 'application/xml');
    await expect(s3).rejects.toMatchObject({ code: 'upload_expired', status: 403 });
  });

  it('other refusals keep the store\'s code, or go by status', async () => {
    const tooBig = put();
    FakeXhr.latest().respond(413, JSON.stringify({ error: { code: 'payload_too_large', message: 'Too big' } }));
    await expect(tooBig).rejects.toMatchObject({ code: 'payload_too_large', message: 'Too big' });

    const s3 = put();
    FakeXhr.latest().respond(500, '<Error><Code>InternalError</Code></Error>', 'application/xml');
    await expect(s3).rejects.toMatchObject({ code: 'internal', status: 500 });
  });

  it('the server\'s quota and disk codes come through with their message', async () => {
    const quota = put();
    FakeXhr.latest().respond(413, JSON.stringify({ error: { code: 'quota_exceeded', message: 'This room already holds 3 files' } }));
    await expect(quota).rejects.toMatchObject({ code: 'quota_exceeded', message: 'This room already holds 3 files' });

    const full = put();
    FakeXhr.latest().respond(507, JSON.stringify({ error: { code: 'storage_full', message: 'Disk full' } }));
    await expect(full).rejects.toMatchObject({ code: 'storage_full', status: 507 });

    const twice = put();
    FakeXhr.latest().respond(409, JSON.stringify({ error: { code: 'upload_in_progress', message: 'Busy' } }));
    await expect(twice).rejects.toMatchObject({ code: 'upload_in_progress' });
  });

  it('S3 refusing bytes that do not match the signed checksum is a checksum mismatch', async () => {
    const changed = put();
    FakeXhr.latest().respond(400, '<Error><Code>BadDigest</Code><Message>The SHA256 you specified did not match the calculated checksum.</Message></Error>', 'application/xml');
    await expect(changed).rejects.toMatchObject({ code: 'checksum_mismatch', status: 400 });
  });

  it('a lost connection is unreachable', async () => {
    const done = put();
    FakeXhr.latest().failNetwork();
    await expect(done).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('aborting the signal aborts the request', async () => {
    const abort = new AbortController();
    const done = put({ signal: abort.signal });
    abort.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(FakeXhr.latest().aborted).toBe(true);
    await expect(put({ signal: abort.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(FakeXhr.sent).toHaveLength(1); // an already-cancelled upload sends nothing
  });
});
