/**
 * SHA-256 of a file without holding it in memory: `prepare` needs the digest before the
 * upload starts, and WebCrypto's digest() only takes the whole input at once. The file is
 * read in slices and fed to an incremental hash (@noble/hashes, audited, no dependencies).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Large enough that reading dominates; small enough to stay gentle on memory. */
export const HASH_CHUNK_BYTES = 4 * 1024 * 1024;

export interface HashOptions {
  chunkBytes?: number;
  /** Bytes hashed so far out of the blob's size, after each slice. */
  onProgress?: (hashed: number, total: number) => void;
  /** Checked between slices; aborting rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Lowercase hex SHA-256 of the whole blob. */
export async function sha256Hex(blob: Blob, options: HashOptions = {}): Promise<string> {
  const chunkBytes = Math.max(1, options.chunkBytes ?? HASH_CHUNK_BYTES);
  const hash = sha256.create();
  for (let offset = 0; offset < blob.size; offset += chunkBytes) {
    if (options.signal?.aborted) throw new DOMException('Hashing was cancelled.', 'AbortError');
    const end = Math.min(blob.size, offset + chunkBytes);
    hash.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    options.onProgress?.(end, blob.size);
  }
  if (options.signal?.aborted) throw new DOMException('Hashing was cancelled.', 'AbortError');
  return bytesToHex(hash.digest());
}
