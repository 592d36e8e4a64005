/**
 * The upload flow as the Files tab shows it, driven through the real REST client and
 * XMLHttpRequest code against a fake server (fetch) and a fake XHR answered by hand.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { completeUpload, prepareUpload } from '../api/files';
import type { FileInfo } from '../api/types';
import { putBytes } from '../api/upload';
import { FakeXhr } from './fakes';
import { sha256Hex } from './hash';
import { createUploads, describeUpload, type RoomAccess, type UploadDeps } from './uploads';

interface Declaration {
  filename: string;
  mimeType: string;
  sizeBytes: number;
  sha256: string;
}

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** The Parlor server's file calls, answered from memory; each answer can be swapped per test. */
class FakeServer {
  readonly calls: { action: string; body: Record<string, unknown> }[] = [];
  private readonly declared = new Map<string, Declaration>();

  prepare = (declaration: Declaration, n: number): Response | Promise<Response> => {
    const fileId = `file-${n}`;
    this.declared.set(fileId, declaration);
    return answer(201, {
      fileId,
      upload: { method: 'PUT', url: `http://127.0.0.1:9/blobs/${fileId}?sig=x`, headers: {}, expiresAt: '' },
    });
  };

  complete = (fileId: string): Response | Promise<Response> => answer(201, { file: this.file(fileId) });

  file(fileId: string): FileInfo {
    const declaration = this.declared.get(fileId)!;
    return {
      id: fileId,
      filename: declaration.filename,
      mimeType: declaration.mimeType,
      sizeBytes: declaration.sizeBytes,
      sha256: declaration.sha256,
      uploader: { id: 'me', displayName: 'Alice' },
      createdAt: '2026-11-25T20:00:00Z',
    };
  }

  count(action: string): number {
    return this.calls.filter((call) => call.action === action).length;
  }

  readonly fetch = async (path: string, init?: RequestInit): Promise<Response> => {
    const action = path.split('/').at(-1)!;
    const body = JSON.parse(String(init?.body ?? '{}')) as Record<string, unknown>;
    this.calls.push({ action, body });
    if (action === 'prepare') return this.prepare(body as unknown as Declaration, this.count('prepare'));
    if (action === 'complete') return this.complete(body.fileId as string);
    return answer(404, { error: { code: 'bad_request', message: `no route ${path}` } });
  };
}

let server: FakeServer;

beforeEach(() => {
  server = new FakeServer();
  vi.stubGlobal('fetch', server.fetch);
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});

afterEach(() => {
  vi.unstubAllGlobals();
  FakeXhr.sent = [];
});

function setup(overrides: Partial<UploadDeps> = {}) {
  const added: FileInfo[] = [];
  const said: string[] = [];
  const hash = vi.fn(sha256Hex);
  let access: RoomAccess | null = { code: 'abcd-efgh-jkmn', token: 'tok' };
  const uploads = createUploads({
    access: () => access,
    hash,
    prepare: prepareUpload,
    put: putBytes,
    complete: completeUpload,
    fileAdded: (file) => added.push(file),
    announce: (text) => said.push(text),
    ...overrides,
  });
  /** What each row shows: its name, its status line, and which buttons it has. */
  const rows = () => uploads.store.getState().uploads.map((upload) => ({ name: upload.name, ...describeUpload(upload) }));
  const row = (name: string) => rows().find((r) => r.name === name);
  const idOf = (name: string) => uploads.store.getState().uploads.find((u) => u.name === name)!.id;
  /** Every status line shown, in order, without repeats. */
  const seen: string[] = [];
  uploads.store.subscribe((state) => {
    for (const upload of state.uploads) {
      const status = `${upload.name}: ${describeUpload(upload).status}`;
      if (seen.at(-1) !== status) seen.push(status);
    }
  });
  return { uploads, added, said, hash, rows, row, idOf, seen, leaveRoom: () => (access = null) };
}

const hello = () => new File(['hello world'], 'hello.txt', { type: 'text/plain' });
const HELLO_SHA = createHash('sha256').update('hello world').digest('hex');

const xhrCount = (n: number) => vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(n));

describe('uploading a file', () => {
  it('prepares (hashing), uploads with progress, then shows the file and drops the row', async () => {
    const { uploads, added, rows, row, seen } = setup();
    uploads.add([hello()]);
    expect(row('hello.txt')?.status).toBe('Preparing… 0%');
    expect(row('hello.txt')?.progressLabel).toBe('Preparing hello.txt');

    await xhrCount(1);
    expect(server.calls[0]).toEqual({
      action: 'prepare',
      body: { filename: 'hello.txt', mimeType: 'text/plain', sizeBytes: 11, sha256: HELLO_SHA },
    });
    const xhr = FakeXhr.latest();
    expect(xhr.url).toBe('http://127.0.0.1:9/blobs/file-1?sig=x');
    expect(row('hello.txt')).toMatchObject({ status: 'Uploading… 0%', progressLabel: 'Uploading hello.txt', canCancel: true });
    xhr.progress(5);
    expect(row('hello.txt')?.status).toBe('Uploading… 45%');
    xhr.respond(200);

    await vi.waitFor(() => expect(added).toHaveLength(1));
    expect(added[0]).toMatchObject({ id: 'file-1', filename: 'hello.txt', sha256: HELLO_SHA });
    expect(server.calls.at(-1)).toEqual({ action: 'complete', body: { fileId: 'file-1' } });
    expect(rows()).toEqual([]);
    expect(seen).toEqual([
      'hello.txt: Waiting…', // queued and started in the same tick: never painted
      'hello.txt: Preparing… 0%',
      'hello.txt: Preparing… 100%',
      'hello.txt: Uploading… 0%',
      'hello.txt: Uploading… 45%',
      'hello.txt: Uploading… 100%',
      'hello.txt: Finishing…',
    ]);
  });

  it('shows hashing progress slice by slice on a larger file', async () => {
    const { uploads, seen } = setup();
    uploads.add([new File([randomBytes(10 * 1024 * 1024)], 'big.bin')]);
    await xhrCount(1);
    expect(seen.filter((s) => s.includes('Preparing'))).toEqual([
      'big.bin: Preparing… 0%',
      'big.bin: Preparing… 40%',
      'big.bin: Preparing… 80%',
      'big.bin: Preparing… 100%',
    ]);
    expect(server.calls[0]?.body.mimeType).toBe('application/octet-stream');
  });

  it('"Cancel upload" aborts the PUT and removes the row', async () => {
    const { uploads, added, rows, said, idOf } = setup();
    uploads.add([hello()]);
    await xhrCount(1);
    FakeXhr.latest().progress(3);
    uploads.cancel(idOf('hello.txt'));
    expect(FakeXhr.latest().aborted).toBe(true);
    expect(rows()).toEqual([]);
    expect(said).toEqual(['Upload of hello.txt cancelled.']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.count('complete')).toBe(0);
    expect(added).toEqual([]);
  });

  it('cancelling while preparing never reaches the server', async () => {
    const { uploads, rows, idOf } = setup();
    uploads.add([new File([new Uint8Array(9 * 1024 * 1024)], 'video.mp4', { type: 'video/mp4' })]);
    uploads.cancel(idOf('video.mp4'));
    expect(rows()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.calls).toEqual([]);
    expect(FakeXhr.sent).toEqual([]);
  });

  it('a file over the server\'s limit says so in words, with no retry', async () => {
    const { uploads, row, rows, idOf } = setup();
    server.prepare = () => answer(413, { error: { code: 'payload_too_large', message: 'Files can be at most 100 MiB' } });
    uploads.add([new File(['x'.repeat(100)], 'huge.iso')]);
    await vi.waitFor(() => expect(row('huge.iso')?.status).toBe('huge.iso is too large: files can be at most 100 MiB.'));
    expect(row('huge.iso')).toMatchObject({ canRetry: false, canDismiss: true, canCancel: false, progressLabel: null });
    expect(FakeXhr.sent).toEqual([]);
    uploads.dismiss(idOf('huge.iso'));
    expect(rows()).toEqual([]);
  });

  it("a file type the room blocks is refused at once in the server's words, nothing read or sent", async () => {
    const { uploads, row, rows, hash, idOf } = setup({ blockedTypes: () => ['.exe', 'video/*'] });
    uploads.add([new File(['MZ'], 'setup.EXE'), new File(['v'], 'clip.webm', { type: 'video/webm' }), hello()]);
    expect(row('setup.EXE')).toMatchObject({
      status: 'Files of type .exe are not allowed in this room.',
      canRetry: false,
      canDismiss: true,
      canCancel: false,
    });
    expect(row('clip.webm')?.status).toBe('Files of type video/webm are not allowed in this room.');
    await xhrCount(1); // the allowed file goes on as usual
    expect(server.calls.map((call) => call.body.filename)).toEqual(['hello.txt']);
    expect(hash).toHaveBeenCalledTimes(1);
    uploads.dismiss(idOf('setup.EXE'));
    expect(rows().map((r) => r.name)).toEqual(['clip.webm', 'hello.txt']);
  });

  it("the server's 415 reads the same when the client did not know (an older snapshot)", async () => {
    const { uploads, row } = setup();
    server.prepare = () =>
      answer(415, { error: { code: 'file_type_not_allowed', message: 'Files of type .exe are not allowed in this room' } });
    uploads.add([new File(['MZ'], 'setup.exe')]);
    await vi.waitFor(() => expect(row('setup.exe')?.status).toBe('Files of type .exe are not allowed in this room.'));
    expect(row('setup.exe')).toMatchObject({ canRetry: false, canDismiss: true });
  });

  it('an expired upload link (403 on PUT) says so, and "Retry" gets a fresh link', async () => {
    const { uploads, row, added, hash, idOf } = setup();
    uploads.add([hello()]);
    await xhrCount(1);
    FakeXhr.latest().respond(403, '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>', 'application/xml');
    await vi.waitFor(() => expect(row('hello.txt')?.status).toBe('The upload link expired.'));
    expect(row('hello.txt')).toMatchObject({ canRetry: true, canCancel: false });

    uploads.retry(idOf('hello.txt'));
    await xhrCount(2);
    expect(server.count('prepare')).toBe(2);
    expect(FakeXhr.latest().url).toBe('http://127.0.0.1:9/blobs/file-2?sig=x');
    FakeXhr.latest().respond(204);
    await vi.waitFor(() => expect(added.map((f) => f.id)).toEqual(['file-2']));
    expect(hash).toHaveBeenCalledTimes(1); // the file did not change: no second hashing
  });

  it('"Upload failed" with "Retry" when the server is gone; the retry only completes', async () => {
    const { uploads, row, added, idOf } = setup();
    server.complete = () => Promise.reject(new TypeError('Failed to fetch'));
    uploads.add([hello()]);
    await xhrCount(1);
    FakeXhr.latest().respond(200);
    await vi.waitFor(() => expect(row('hello.txt')?.status).toMatch(/^Upload failed: can't reach the Parlor server/));
    expect(row('hello.txt')?.canRetry).toBe(true);

    server.complete = (fileId) => answer(200, { file: server.file(fileId) });
    uploads.retry(idOf('hello.txt'));
    await vi.waitFor(() => expect(added).toHaveLength(1));
    expect(FakeXhr.sent).toHaveLength(1); // the bytes were already stored
    expect(server.count('prepare')).toBe(1);
    expect(server.count('complete')).toBe(2);
  });

  it('a checksum mismatch starts over from the hash on retry', async () => {
    const { uploads, row, hash, idOf } = setup();
    server.complete = () => answer(422, { error: { code: 'checksum_mismatch', message: 'no' } });
    uploads.add([hello()]);
    await xhrCount(1);
    FakeXhr.latest().respond(200);
    await vi.waitFor(() => expect(row('hello.txt')?.status).toBe('Upload failed: the file changed while it was being uploaded.'));
    uploads.retry(idOf('hello.txt'));
    await xhrCount(2);
    expect(hash).toHaveBeenCalledTimes(2);
    expect(server.count('prepare')).toBe(2);
  });

  it('a lost connection during the PUT is "Upload failed" with "Retry"', async () => {
    const { uploads, row } = setup();
    uploads.add([hello()]);
    await xhrCount(1);
    FakeXhr.latest().failNetwork();
    await vi.waitFor(() => expect(row('hello.txt')?.status).toMatch(/^Upload failed/));
    expect(row('hello.txt')?.canRetry).toBe(true);
  });

  it('several files: two move at once, the rest wait their turn', async () => {
    const { uploads, row, added } = setup();
    uploads.add(['a.txt', 'b.txt', 'c.txt'].map((name) => new File([name], name)));
    expect(row('c.txt')?.status).toBe('Waiting…');
    await xhrCount(2);
    expect(row('c.txt')?.status).toBe('Waiting…');
    FakeXhr.sent[0]!.respond(200);
    await xhrCount(3);
    FakeXhr.sent[1]!.respond(200);
    FakeXhr.sent[2]!.respond(200);
    await vi.waitFor(() => expect(added.map((f) => f.filename).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']));
  });

  it('leaving the room stops every upload', async () => {
    const { uploads, rows, leaveRoom, row } = setup();
    uploads.add([hello(), new File(['x'], 'x.txt')]);
    await xhrCount(2);
    uploads.cancelAll();
    expect(FakeXhr.sent.every((xhr) => xhr.aborted)).toBe(true);
    expect(rows()).toEqual([]);

    leaveRoom();
    uploads.add([hello()]);
    await vi.waitFor(() => expect(row('hello.txt')?.status).toBe('Upload failed: you are no longer in this room. Join it again to share files.'));
    expect(row('hello.txt')?.canRetry).toBe(false);
  });
});
