/** A chunk's bytes as a request body: a Blob slice, bytes in memory, or a stream (Node). */
export type ChunkBody = Blob | Uint8Array | AsyncIterable<Uint8Array>;

/**
 * A file to upload, wherever its bytes live. The browser build makes one from a
 * `File`/`Blob` ({@link blobSource}); `@frago/client/node` from a file path.
 */
export interface UploadSource {
  /** The file name sent to the server (metadata only: the server names stored files). */
  readonly name: string;
  readonly size: number;
  /** Modification time in ms since the epoch, when known; part of the resume fingerprint. */
  readonly lastModified: number | null;
  /** What tells this file from others of the same size and time: its name, or its full path. */
  readonly key: string;
  /** The bytes `[start, end]` (inclusive) as a request body; called again for every retry. */
  slice(start: number, end: number): ChunkBody;
  /** The whole file, in order, for the checksum. */
  stream(): AsyncIterable<Uint8Array>;
  /** The Blob behind the source, when there is one (a worker can read it directly). */
  readonly blob?: Blob;
}

/** How much of a Blob is read at once for the checksum. */
export const READ_PIECE = 4 * 1024 * 1024;

/** Reads a Blob in order, `pieceSize` bytes at a time. */
export async function* readBlob(blob: Blob, pieceSize = READ_PIECE): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += pieceSize) {
    yield new Uint8Array(await blob.slice(offset, Math.min(offset + pieceSize, blob.size)).arrayBuffer());
  }
}

/** The bytes of a request body, in order, whatever kind of body it is. */
export function bodyPieces(body: ChunkBody): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) return (async function* () { yield body; })();
  if (typeof Blob !== 'undefined' && body instanceof Blob) return readBlob(body);
  // Where there is no Blob, a body that is no Uint8Array is a stream.
  return body as AsyncIterable<Uint8Array>;
}

/**
 * A source over a `File` or `Blob`. A `File` brings its name and modification time;
 * a bare Blob needs a `name`. Chunks are Blob slices, which browsers stream from disk.
 */
export function blobSource(blob: Blob, name?: string): UploadSource {
  const file = blob as Blob & { name?: string; lastModified?: number };
  const fileName = name ?? file.name ?? 'blob';
  return {
    name: fileName,
    size: blob.size,
    lastModified: typeof file.lastModified === 'number' ? file.lastModified : null,
    key: fileName,
    slice: (start, end) => blob.slice(start, end + 1),
    stream: () => readBlob(blob),
    blob,
  };
}
