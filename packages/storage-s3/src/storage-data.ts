import { FragoError } from '@frago/core';

/** A part of the multipart upload that a chunk filled by itself. */
export interface WrittenPart {
  readonly part: number;
  readonly etag: string;
}

/** A piece of a chunk kept as an object of its own until the upload is sealed. */
export interface StagedPiece {
  readonly start: number;
  readonly end: number;
  readonly key: string;
}

/** Where one chunk's bytes went: what the repository keeps as the chunk's storage data. */
export interface ChunkLocation {
  readonly parts: readonly WrittenPart[];
  readonly staged: readonly StagedPiece[];
}

/** Encodes a {@link ChunkLocation} for the repository. */
export function encodeChunkLocation(location: ChunkLocation): string {
  return JSON.stringify({ p: location.parts.map(({ part, etag }) => [part, etag]), s: location.staged.map(({ start, end, key }) => [start, end, key]) });
}

/**
 * Decodes what {@link encodeChunkLocation} made.
 *
 * @throws {FragoError} `STORAGE_FAILED` for anything else: the chunk was not written by this storage.
 */
export function decodeChunkLocation(data: string | null): ChunkLocation {
  const invalid = () => new FragoError('STORAGE_FAILED', 'A chunk was not recorded by the S3 storage');
  if (data === null) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    throw new FragoError('STORAGE_FAILED', 'A chunk was not recorded by the S3 storage', { cause });
  }
  const { p, s } = (parsed ?? {}) as { p?: unknown; s?: unknown };
  if (!Array.isArray(p) || !Array.isArray(s)) throw invalid();
  const parts = p.map((entry: unknown) => {
    if (!Array.isArray(entry) || !Number.isSafeInteger(entry[0]) || typeof entry[1] !== 'string') throw invalid();
    return { part: entry[0] as number, etag: entry[1] };
  });
  const staged = s.map((entry: unknown) => {
    if (!Array.isArray(entry) || !Number.isSafeInteger(entry[0]) || !Number.isSafeInteger(entry[1]) || typeof entry[2] !== 'string') {
      throw invalid();
    }
    return { start: entry[0] as number, end: entry[1] as number, key: entry[2] };
  });
  return { parts, staged };
}
