import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { isStoredUpload, type StoredUpload, type UploadStore } from '../store.js';

interface StateFile {
  readonly version: 1;
  readonly uploads: Record<string, StoredUpload>;
}

/** Where the CLI keeps its state: `$FRAGO_STATE_FILE`, else `$XDG_STATE_HOME/frago/uploads.json` (`~/.local/state/...`). */
export function defaultStateFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.FRAGO_STATE_FILE) return env.FRAGO_STATE_FILE;
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'frago', 'uploads.json');
}

/**
 * Unfinished uploads in one small JSON file, so a command run again after an
 * interruption resumes. Writes go to a temporary file renamed over the old one, so a
 * crash never leaves half a file; entries older than `maxAgeMs` (default a week,
 * longer than servers keep uploads) are dropped when the file is written. A missing
 * or unreadable file counts as empty.
 */
export class FileStore implements UploadStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string = defaultStateFile(),
    private readonly maxAgeMs = 7 * 24 * 60 * 60 * 1000,
  ) {}

  async get(key: string): Promise<StoredUpload | undefined> {
    await this.queue;
    return (await this.read())[key];
  }

  set(key: string, upload: StoredUpload): Promise<void> {
    return this.update((uploads) => {
      uploads[key] = upload;
    });
  }

  delete(key: string): Promise<void> {
    return this.update((uploads) => {
      delete uploads[key];
    });
  }

  private async read(): Promise<Record<string, StoredUpload>> {
    let parsed: Partial<StateFile> | null = null;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<StateFile>;
    } catch {
      return {};
    }
    const uploads: Record<string, StoredUpload> = {};
    for (const [key, value] of Object.entries(parsed?.uploads ?? {})) if (isStoredUpload(value)) uploads[key] = value;
    return uploads;
  }

  /** Read-modify-write, one at a time within this process. */
  private update(change: (uploads: Record<string, StoredUpload>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const uploads = await this.read();
      change(uploads);
      const now = Date.now();
      for (const [key, value] of Object.entries(uploads)) if (now - value.savedAt > this.maxAgeMs) delete uploads[key];
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.${now}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ version: 1, uploads } satisfies StateFile, null, 2)}\n`);
      await rename(temporary, this.path);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
