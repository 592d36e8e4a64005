import { afterEach, describe, expect, it, vi } from 'vitest';
import { completeUpload, fetchDownloadLink, listFiles, prepareUpload } from './files';
import { ApiError } from './http';

const file = {
  id: 'f1',
  filename: 'notes.pdf',
  mimeType: 'application/pdf',
  sizeBytes: 2048,
  sha256: 'ab'.repeat(32),
  uploader: { id: 'm1', displayName: 'Alice' },
  createdAt: '2026-11-25T20:33:06.123Z',
};

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function stubFetch(response: Response) {
  const fetch = vi.fn(async (_path: string, _init?: RequestInit) => response);
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('file REST calls', () => {
  it('prepare declares the file with the bearer token and returns where to PUT', async () => {
    const fetch = stubFetch(
      answer(201, {
        fileId: 'f1',
        upload: { method: 'PUT', url: 'http://127.0.0.1:1/blobs/x?sig=1', headers: { 'Content-Type': 'application/pdf' }, expiresAt: 'soon' },
      }),
    );
    const declaration = { filename: 'notes.pdf', mimeType: 'application/pdf', sizeBytes: 2048, sha256: file.sha256 };
    const prepared = await prepareUpload('ABCDEFGHJKMN', 'tok', declaration);
    expect(prepared).toEqual({
      fileId: 'f1',
      upload: { method: 'PUT', url: 'http://127.0.0.1:1/blobs/x?sig=1', headers: { 'Content-Type': 'application/pdf' }, expiresAt: 'soon' },
    });
    const [path, init] = fetch.mock.calls[0]!;
    expect(path).toBe('/api/rooms/abcd-efgh-jkmn/files/prepare');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(init?.body as string)).toEqual(declaration);
  });

  it('prepare over the limit is a typed payload_too_large with the server\'s words', async () => {
    stubFetch(answer(413, { error: { code: 'payload_too_large', message: 'Files can be at most 100 MiB' } }));
    const failure = prepareUpload('abcd-efgh-jkmn', 'tok', { filename: 'big', mimeType: '', sizeBytes: 1e12, sha256: '' });
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: 'payload_too_large', status: 413, message: 'Files can be at most 100 MiB' });
  });

  it('complete returns the shared file; its refusals keep their codes', async () => {
    const fetch = stubFetch(answer(201, { file }));
    expect(await completeUpload('abcd-efgh-jkmn', 'tok', 'f1')).toEqual(file);
    expect(fetch.mock.calls[0]![0]).toBe('/api/rooms/abcd-efgh-jkmn/files/complete');
    expect(JSON.parse(fetch.mock.calls[0]![1]?.body as string)).toEqual({ fileId: 'f1' });

    for (const [status, code] of [
      [409, 'upload_incomplete'],
      [422, 'checksum_mismatch'],
      [404, 'file_not_found'],
    ] as const) {
      stubFetch(answer(status, { error: { code, message: 'no' } }));
      await expect(completeUpload('abcd-efgh-jkmn', 'tok', 'f1')).rejects.toMatchObject({ code, status });
    }
  });

  it('lists the room\'s files, leaving out entries that do not fit', async () => {
    const fetch = stubFetch(answer(200, { files: [file, { filename: 'no id' }] }));
    expect(await listFiles('abcd-efgh-jkmn', 'tok')).toEqual([file]);
    expect(fetch.mock.calls[0]![0]).toBe('/api/rooms/abcd-efgh-jkmn/files');
  });

  it('asks for a download link by file id', async () => {
    const fetch = stubFetch(answer(200, { url: 'http://127.0.0.1:1/blobs/x?sig=2', expiresAt: 'soon' }));
    expect(await fetchDownloadLink('f 1', 'tok')).toEqual({ url: 'http://127.0.0.1:1/blobs/x?sig=2', expiresAt: 'soon' });
    expect(fetch.mock.calls[0]![0]).toBe('/api/files/f%201/download');
    expect((fetch.mock.calls[0]![1]?.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('a success without the expected fields is a bad_response, not undefined later', async () => {
    stubFetch(answer(201, { fileId: 'f1' }));
    await expect(
      prepareUpload('abcd-efgh-jkmn', 'tok', { filename: 'a', mimeType: '', sizeBytes: 1, sha256: '' }),
    ).rejects.toMatchObject({ code: 'bad_response' });
  });
});
