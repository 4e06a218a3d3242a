import { FragoError } from './errors.js';
import type { ByteRange } from './intervals.js';
import type { AssembleTarget, Storage, StorageCapabilities } from './ports.js';

/**
 * A {@link Storage} in process memory, for tests and embedding. Each upload is one
 * buffer of its total size; assembled files stay readable through {@link MemoryStorage.file}.
 */
export class MemoryStorage implements Storage {
  readonly capabilities: StorageCapabilities = {};
  private readonly incoming = new Map<string, Uint8Array>();
  private readonly assembled = new Map<string, Uint8Array>();

  async create(key: string, totalSize: number): Promise<void> {
    if (!this.incoming.has(key)) this.incoming.set(key, new Uint8Array(totalSize));
  }

  async write(key: string, offset: number, body: AsyncIterable<Uint8Array>): Promise<void> {
    let position = offset;
    for await (const piece of body) {
      const buffer = this.buffer(key);
      if (position + piece.byteLength > buffer.byteLength) {
        throw new FragoError('INVALID_RANGE', 'Write past the end of the upload');
      }
      buffer.set(piece, position);
      position += piece.byteLength;
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
