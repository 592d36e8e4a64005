import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HASH_CHUNK_BYTES, sha256Hex } from './hash';

const MiB = 1024 * 1024;

/** The one-shot digests to agree with: WebCrypto's (what a browser would do in one go) and Node's. */
async function oneShot(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const web = Buffer.from(await crypto.subtle.digest('SHA-256', bytes)).toString('hex');
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(web);
  return web;
}

describe('sha256Hex', () => {
  it('hashes a few MiB in 4 MiB slices to the one-shot digest', async () => {
    const bytes = Uint8Array.from(randomBytes(9 * MiB + 12_345)); // three slices, the last one short
    const progress: number[] = [];
    const digest = await sha256Hex(new Blob([bytes]), { onProgress: (hashed) => progress.push(hashed) });
    expect(digest).toBe(await oneShot(bytes));
    expect(progress).toEqual([HASH_CHUNK_BYTES, 2 * HASH_CHUNK_BYTES, bytes.length]);
  });

  it('gives the same digest whatever the slice size', async () => {
    const bytes = Uint8Array.from(randomBytes(3 * MiB + 7));
    const expected = await oneShot(bytes);
    for (const chunkBytes of [1, 63, 64, 65, 1000, MiB, 3 * MiB + 7, 8 * MiB]) {
      // 1-byte slices on 3 MiB would take long; use a small prefix for the tiny ones.
      const sample = chunkBytes < 1000 ? bytes.subarray(0, 5_000) : bytes;
      const want = sample === bytes ? expected : await oneShot(sample.slice());
      expect(await sha256Hex(new Blob([sample]), { chunkBytes })).toBe(want);
    }
  });

  it('hashes the empty file', async () => {
    const progress: number[] = [];
    const digest = await sha256Hex(new Blob([]), { onProgress: (hashed) => progress.push(hashed) });
    expect(digest).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digest).toBe(await oneShot(new Uint8Array(0)));
    expect(progress).toEqual([]);
  });

  it('stops between slices when cancelled', async () => {
    const abort = new AbortController();
    const blob = new Blob([new Uint8Array(3 * MiB)]);
    const hashing = sha256Hex(blob, {
      chunkBytes: MiB,
      signal: abort.signal,
      onProgress: (hashed) => hashed >= MiB && abort.abort(),
    });
    await expect(hashing).rejects.toMatchObject({ name: 'AbortError' });
  });
});
