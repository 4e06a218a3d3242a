import type { UploadSource } from './source.js';

/** What is remembered about an unfinished upload, to resume it later. */
export interface StoredUpload {
  readonly uploadId: string;
  /** The chunk size it was sent with, so a resumed upload cuts the same ranges. */
  readonly chunkSize: number;
  /** True when its parts go straight to the store; `chunkSize` is then the part size. */
  readonly direct?: boolean;
  /** When it was saved (ms since the epoch); stores may drop old entries. */
  readonly savedAt: number;
}

/**
 * Remembers unfinished uploads by a fingerprint of their file, so that uploading the
 * same file again resumes instead of starting over. Methods may be sync or async and
 * should not throw for a missing entry.
 */
export interface UploadStore {
  get(fingerprint: string): StoredUpload | undefined | Promise<StoredUpload | undefined>;
  set(fingerprint: string, upload: StoredUpload): void | Promise<void>;
  delete(fingerprint: string): void | Promise<void>;
}

/**
 * The fingerprint of a file sent to an endpoint: the endpoint, the file's key (name or
 * path), size and modification time. A changed file gets a new fingerprint.
 */
export function fingerprint(endpoint: string, source: UploadSource): string {
  return JSON.stringify([endpoint, source.key, source.size, source.lastModified]);
}

/** A store that lasts as long as the process or page (the default without localStorage). */
export class MemoryStore implements UploadStore {
  private readonly entries = new Map<string, StoredUpload>();

  get(key: string): StoredUpload | undefined {
    return this.entries.get(key);
  }

  set(key: string, upload: StoredUpload): void {
    this.entries.set(key, upload);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** The part of the Web Storage API {@link localStorageStore} uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** True for a well-formed {@link StoredUpload} (stores read entries written by other versions). */
export function isStoredUpload(value: unknown): value is StoredUpload {
  const entry = value as Partial<StoredUpload> | null;
  return typeof entry?.uploadId === 'string' && typeof entry.chunkSize === 'number' && typeof entry.savedAt === 'number';
}

/**
 * A store in the browser's `localStorage` (or any Web Storage), one key per upload
 * under `prefix`. Unreadable entries count as absent; a full storage is ignored
 * (resuming is a convenience, never a reason to fail an upload).
 */
export function localStorageStore(storage: StorageLike, prefix = 'frago:'): UploadStore {
  return {
    get(key) {
      try {
        const parsed: unknown = JSON.parse(storage.getItem(prefix + key) ?? 'null');
        return isStoredUpload(parsed) ? parsed : undefined;
      } catch {
        return undefined;
      }
    },
    set(key, upload) {
      try {
        storage.setItem(prefix + key, JSON.stringify(upload));
      } catch {
        // quota exceeded or storage disabled: the upload goes on without resume
      }
    },
    delete(key) {
      storage.removeItem(prefix + key);
    },
  };
}

/** `localStorage` when the runtime has one (browsers), else a {@link MemoryStore}. */
export function defaultStore(): UploadStore {
  let storage: StorageLike | undefined;
  try {
    storage = (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch {
    // reading localStorage throws where the page may not use it
  }
  return storage ? localStorageStore(storage) : new MemoryStore();
}
