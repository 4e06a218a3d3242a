import type { AssembleTarget } from '@frago/core';
import { FragoError } from '@frago/core';

const KEY = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Checks a storage key or upload id: 1 to 128 ASCII letters, digits, `_` or `-`, so it
 * is always one plain segment of an object key.
 *
 * @throws {FragoError} `STORAGE_FAILED` for anything else.
 */
export function assertSafeKey(key: string, what = 'storage key'): void {
  if (typeof key !== 'string' || !KEY.test(key)) throw new FragoError('STORAGE_FAILED', `Invalid ${what}`);
}

/** Object keys of one storage: everything lives below `prefix`. */
export class KeyLayout {
  constructor(private readonly prefix: string) {}

  /** Every object of an upload in progress starts with this. */
  incoming(key: string): string {
    return `${this.prefix}incoming/${key}/`;
  }

  /** The small JSON document that describes an upload in progress. */
  manifest(key: string): string {
    return `${this.incoming(key)}upload.json`;
  }

  /** An empty object whose presence marks a direct upload (parts sent by the client with presigned URLs). */
  directMarker(key: string): string {
    return `${this.incoming(key)}direct`;
  }

  /** A staged piece of a chunk; `nonce` keeps two writes of one range apart. */
  staged(key: string, start: number, end: number, nonce: string): string {
    return `${this.incoming(key)}staged/${start}-${end}-${nonce}`;
  }

  /** The multipart upload's object when no target was announced at create. */
  internalObject(key: string): string {
    return `${this.incoming(key)}object`;
  }

  /**
   * The `attempt`-th candidate key of an assembled file: `[<directory>/]<uploadId>-<filename>`,
   * then `<uploadId>-1-<filename>`, ... The upload id, each folder and the name are
   * checked to be plain segments (the core has already cleaned them).
   *
   * @throws {FragoError} `STORAGE_FAILED` for a target that is not.
   */
  assembled(target: AssembleTarget, attempt: number): string {
    assertSafeKey(target.uploadId, 'upload id');
    const folders = (target.directory ?? '').split('/').filter((segment) => segment !== '');
    for (const name of [...folders, target.filename]) assertPlainName(name);
    const name = attempt === 0 ? `${target.uploadId}-${target.filename}` : `${target.uploadId}-${attempt}-${target.filename}`;
    return `${this.prefix}${[...folders, name].join('/')}`;
  }
}

function assertPlainName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f]/.test(name)) {
    throw new FragoError('STORAGE_FAILED', 'Invalid file or folder name');
  }
}
