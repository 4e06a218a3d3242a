import Database from 'better-sqlite3';
import type { AssembleTarget, ByteRange, Storage, StorageCapabilities } from '@frago/core';
import { FragoError } from '@frago/core';
import { SCHEMA } from './schema.js';

/** Options of {@link SqliteBlockStorage}. */
export interface SqliteBlockStorageOptions {
  /** The SQLite file (`:memory:` for one process only). */
  readonly filename: string;
  /** Bytes per block. Default 64 KiB. */
  readonly blockSize?: number;
}

/**
 * A frago {@link Storage} that keeps every upload as fixed-size blocks in one SQLite
 * table: a chunk is cut into the blocks it touches, and a block it covers only in part
 * is merged with what the block already holds. Writes of the same range overwrite each
 * other, which is what the core expects when a failed chunk is sent again. Memory per
 * write stays at one block. An assembled file keeps its blocks and gets a location;
 * nothing is copied.
 */
export class SqliteBlockStorage implements Storage {
  /** Blocks take chunks of any size at any offset. */
  readonly capabilities: StorageCapabilities = {};
  private readonly db: Database.Database;
  private readonly blockSize: number;

  constructor(options: SqliteBlockStorageOptions) {
    this.blockSize = options.blockSize ?? 64 * 1024;
    this.db = new Database(options.filename);
    // Several processes may share the file: wait for the writer instead of failing.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = on');
    this.db.exec(SCHEMA);
  }

  async create(key: string, totalSize: number): Promise<void> {
    this.db.prepare('insert into upload (key, total_size) values (?, ?) on conflict (key) do nothing').run(key, totalSize);
  }

  async write(key: string, offset: number, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const totalSize = this.sizeOf(key);
    let position = offset;
    for await (const piece of body) {
      signal?.throwIfAborted();
      if (position + piece.byteLength > totalSize) throw new FragoError('INVALID_RANGE', 'Write past the end of the upload');
      this.writeAt(key, position, piece);
      position += piece.byteLength;
    }
  }

  async *read(key: string, range: ByteRange): AsyncIterable<Uint8Array> {
    const totalSize = this.sizeOf(key);
    if (range.start < 0 || range.end < range.start || range.end >= totalSize) throw new FragoError('INVALID_RANGE', 'Read outside the upload');
    yield* this.blocks(key, range);
  }

  async assemble(key: string, target: AssembleTarget): Promise<{ readonly location: string }> {
    const assemble = this.db.transaction(() => {
      const upload = this.db.prepare('select location from upload where key = ?').get(key) as { location: string | null } | undefined;
      if (upload === undefined) throw new FragoError('STORAGE_FAILED', 'No space was opened for this upload');
      if (upload.location !== null) return upload.location;
      const taken = this.db.prepare('select 1 from upload where location = ?');
      const base = [target.directory, `${target.uploadId}-${target.filename}`].filter(Boolean).join('/');
      let location = base;
      for (let attempt = 1; taken.get(location) !== undefined; attempt++) location = `${base}~${attempt}`;
      this.db.prepare('update upload set location = ? where key = ?').run(location, key);
      return location;
    });
    return { location: assemble.immediate() };
  }

  /** Resolves while the database file answers a query. */
  async ping(): Promise<void> {
    this.db.prepare('select 1').get();
  }

  async delete(key: string): Promise<void> {
    this.db.prepare('delete from upload where key = ? and location is null').run(key);
  }

  /** The bytes of an assembled file, for tests and for serving it. */
  async readFile(location: string): Promise<Uint8Array> {
    const upload = this.db.prepare('select key, total_size from upload where location = ?').get(location) as
      | { key: string; total_size: number }
      | undefined;
    if (upload === undefined) throw new Error(`no file at ${location}`);
    const bytes = new Uint8Array(upload.total_size);
    let offset = 0;
    if (upload.total_size > 0) {
      for await (const piece of this.blocks(upload.key, { start: 0, end: upload.total_size - 1 })) {
        bytes.set(piece, offset);
        offset += piece.byteLength;
      }
    }
    return bytes;
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  private sizeOf(key: string): number {
    const upload = this.db.prepare('select total_size from upload where key = ? and location is null').get(key) as { total_size: number } | undefined;
    if (upload === undefined) throw new FragoError('STORAGE_FAILED', 'No space was opened for this upload');
    return upload.total_size;
  }

  /** Writes `piece` at `position`, merging into the blocks it touches. */
  private writeAt(key: string, position: number, piece: Uint8Array): void {
    const select = this.db.prepare('select bytes from block where key = ? and idx = ?');
    const upsert = this.db.prepare('insert into block (key, idx, bytes) values (?, ?, ?) on conflict (key, idx) do update set bytes = excluded.bytes');
    const merge = this.db.transaction(() => {
      for (let done = 0; done < piece.byteLength; ) {
        const index = Math.floor((position + done) / this.blockSize);
        const within = (position + done) % this.blockSize;
        const length = Math.min(this.blockSize - within, piece.byteLength - done);
        const row = select.get(key, index) as { bytes: Buffer } | undefined;
        const block = Buffer.alloc(Math.max(row?.bytes.byteLength ?? 0, within + length));
        row?.bytes.copy(block);
        block.set(piece.subarray(done, done + length), within);
        upsert.run(key, index, block);
        done += length;
      }
    });
    merge.immediate();
  }

  private *blocks(key: string, range: ByteRange): Iterable<Uint8Array> {
    const first = Math.floor(range.start / this.blockSize);
    const last = Math.floor(range.end / this.blockSize);
    const select = this.db.prepare('select bytes from block where key = ? and idx = ?');
    for (let index = first; index <= last; index++) {
      const from = index === first ? range.start % this.blockSize : 0;
      const to = index === last ? (range.end % this.blockSize) + 1 : this.blockSize;
      const row = select.get(key, index) as { bytes: Buffer } | undefined;
      const block = Buffer.alloc(to - from);
      row?.bytes.copy(block, 0, from, Math.min(to, row.bytes.byteLength));
      yield block;
    }
  }
}
