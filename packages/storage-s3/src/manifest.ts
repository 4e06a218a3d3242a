import type { AssembleTarget, ByteRange } from '@frago/core';
import type { Bucket } from './bucket.js';
import type { KeyLayout } from './keys.js';

/**
 * What the storage keeps in the bucket about an upload in progress, next to its staged
 * pieces, so that every process finds its multipart upload.
 * - `open`: chunks are being written.
 * - `joined`: sealed; the multipart upload is complete and `objectKey` holds every byte.
 */
export interface Manifest {
  readonly version: 1;
  /** The multipart upload; null for a zero-byte upload, which needs none. */
  readonly uploadId: string | null;
  /** The object the multipart upload completes into. */
  readonly objectKey: string;
  /** The target announced when the upload was opened, if any: `objectKey` is its name. */
  readonly target: Pick<AssembleTarget, 'uploadId' | 'filename' | 'directory'> | null;
  readonly totalSize: number;
  readonly partSize: number;
  /**
   * The parts' byte ranges, in order, for an upload made by `S3Storage.join` (parts that
   * follow the joined uploads' boundaries); absent when every part is `partSize` bytes.
   */
  readonly layout?: readonly ByteRange[];
  readonly state: 'open' | 'joined';
}

const CACHE_LIMIT = 1000;

/**
 * Reads and writes manifests. Open manifests never change, so writers cache them and
 * pay one GET per upload and process; anything that depends on the state reads afresh.
 * A manifest this process sealed is kept once more, for the assembling that follows.
 */
export class Manifests {
  /** Open manifests, each marked when this process wrote it itself: only its own writes can have changed it since. */
  private readonly cache = new Map<string, { readonly manifest: Manifest; readonly written: boolean }>();
  private readonly sealed = new Map<string, Manifest>();

  constructor(
    private readonly bucket: Bucket,
    private readonly keys: KeyLayout,
  ) {}

  /** The manifest as stored now, or null. */
  async load(key: string): Promise<Manifest | null> {
    const manifest = await this.bucket.getJson<Manifest>(this.keys.manifest(key));
    if (manifest === null) this.forget(key);
    return manifest;
  }

  /** The manifest of an upload that was open when last seen, from the cache when possible. */
  async loadOpen(key: string): Promise<Manifest | null> {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached.manifest;
    const manifest = await this.load(key);
    if (manifest?.state === 'open') remember(this.cache, key, { manifest, written: false });
    return manifest;
  }

  /**
   * The open manifest for sealing: the cached one when this process wrote it (a join
   * adds its layout to an open manifest, always in the process that created the joined
   * upload), else as stored now.
   */
  async loadForSeal(key: string): Promise<Manifest | null> {
    const cached = this.cache.get(key);
    return cached?.written === true ? cached.manifest : await this.load(key);
  }

  /** Stores `manifest`. */
  async save(key: string, manifest: Manifest): Promise<void> {
    await this.bucket.putJson(this.keys.manifest(key), manifest);
    this.forget(key);
    if (manifest.state === 'open') remember(this.cache, key, { manifest, written: true });
    else remember(this.sealed, key, manifest);
  }

  /**
   * The manifest this process saved sealed for `key`, handed out once (the assembling
   * right after the seal reads nothing); null when there is none.
   */
  takeSealed(key: string): Manifest | null {
    const manifest = this.sealed.get(key) ?? null;
    this.sealed.delete(key);
    return manifest;
  }

  /** Drops a cached manifest. */
  forget(key: string): void {
    this.cache.delete(key);
    this.sealed.delete(key);
  }
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, value);
}
