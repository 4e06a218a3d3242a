import type { ChecksumAlgorithm } from './checksum.js';

/** A per-chunk digest the client sent, to verify the chunk's bytes on arrival. */
export interface ChunkDigest {
  readonly algorithm: ChecksumAlgorithm;
  /** Lowercase hex. */
  readonly hex: string;
}

/** The form a chunk digest is recorded in: `algorithm:hex`. */
export function formatChunkDigest(digest: ChunkDigest): string {
  return `${digest.algorithm}:${digest.hex}`;
}
