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

/** The hex value a digest recorded as `algorithm:hex` holds for `algorithm`; undefined when it is absent or of another algorithm. */
export function recordedHex(recorded: string | null | undefined, algorithm: ChecksumAlgorithm): string | undefined {
  const prefix = `${algorithm}:`;
  return recorded?.startsWith(prefix) ? recorded.slice(prefix.length) : undefined;
}
