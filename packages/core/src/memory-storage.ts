import { FragoError } from './errors.js';
import type { ByteRange } from './intervals.js';
import type { AssembleTarget, ChunkPlacement, Storage, StorageCapabilities } from './ports.js';

/**
 * A {@link Storage} in process memory, for tests and embedding. Each upload is one
 * buffer of its total size; assembled files stay readable through {@link MemoryStorage.file}.
 */
export class MemoryStorage implements Storage {
  readonly capabilities: StorageCapabilities = { deferredSize: true };
  private readonly incoming = new Map<string, Uint8Array>();
  private readonly assembled = new Map<string, Uint8Array>();

  /** Opens a buffer of `totalSize` bytes; again for an open upload, gives its buffer that length, keeping its bytes. */
  async create(key: string, totalSize: number): Promise<void> {
    const current = this.incoming.get(key);
    if (current?.byteLength === totalSize) return;
    const buffer = new Uint8Array(totalSize);
    if (current !== undefined) buffer.set(current.subarray(0, totalSize));
    this.incoming.set(key, buffer);
  }

  /** Writes at `offset`; the buffer grows for bytes past its end, up to `placement.totalSize`. */
  async write(key: string, offset: number, body: AsyncIterable<Uint8Array>, _signal?: AbortSignal, placement?: ChunkPlacement): Promise<void> {
    let position = offset;
    for await (const piece of body) {
      let buffer = this.buffer(key);
      const end = position + piece.byteLength;
      if (end > buffer.byteLength && end <= (placement?.totalSize ?? 0)) {
        await this.create(key, end);
        buffer = this.buffer(key);
      }
      if (end > buffer.byteLength) throw new FragoError('INVALID_RANGE', 'Write past the end of the upload');
      buffer.set(piece, position);
      position = end;
    }
  }

  async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    yield this.buffer(key).slice(range.start, range.end + 1);
  }

  async assemble(key: string, target: AssembleTarget): Promise<{ location: string }> {
    const location = [target.directory, `${target.uploadId}-${target.filename}`].filter(Boolean).join('/');
    const bytes = this.incoming.get(key);
    if (bytes !== undefined) {
      this.assembled.set(location, bytes);
      this.incoming.delete(key);
    } else if (!this.assembled.has(location)) {
      throw new FragoError('STORAGE_FAILED', 'The upload has no bytes to assemble');
    }
    return { location };
  }

  /** Always answers: the bytes are in this process. */
  async ping(): Promise<void> {}

  async delete(key: string): Promise<void> {
    this.incoming.delete(key);
  }

  /** The bytes of an assembled file, by the location {@link MemoryStorage.assemble} returned. */
  file(location: string): Uint8Array | undefined {
    return this.assembled.get(location);
  }

  /** True while an upload's in-progress bytes exist. */
  has(key: string): boolean {
    return this.incoming.has(key);
  }

  private buffer(key: string): Uint8Array {
    const buffer = this.incoming.get(key);
    if (buffer === undefined) throw new FragoError('STORAGE_FAILED', 'No space was opened for this upload');
    return buffer;
  }
}
