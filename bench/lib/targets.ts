import { join } from 'node:path';
import type { ChecksumAlgorithm } from '@frago/core';
import { uploadFile, type UploadOptions, type UploadSource, type UploadTiming } from './client.js';
import type { BenchDriver } from './databases.js';
import { oneRequestUpload } from './one-request-client.js';
import { tusOneRequest, tusUpload } from './tus-client.js';
import { tusJsUpload } from './tus-js-client.js';

/** A server the benchmark measures: how to start it, how to upload to it, where it keeps a finished file. */
export interface Target {
  readonly name: string;
  readonly script: string;
  readonly args: (dataDir: string, databaseTarget: string) => string[];
  readonly env?: Record<string, string>;
  /** The SQL driver the target keeps its rows with. */
  readonly driver?: BenchDriver;
  /** The whole-file checksum the target verifies at finalize; the anchors verify none. */
  readonly checksum?: ChecksumAlgorithm;
  /** Whether the server answers SIGUSR2 with its heap after a full collection (frago's do). */
  readonly reportsHeap?: boolean;
  /** Where the target keeps an upload's finished file. */
  readonly fileOf: (dataDir: string, id: string) => string;
  /** One upload to the server at `origin`, in the target's protocol. */
  readonly upload: (origin: string, source: UploadSource, size: number, options: UploadOptions) => Promise<UploadTiming>;
}

const script = (name: string) => new URL(`../servers/${name}.js`, import.meta.url).pathname;
const fragoProtocol: Target['upload'] = (origin, source, size, options) => uploadFile(`${origin}/upload`, source, size, options);

/** The floor: a bare node:http server that speaks frago's protocol and only writes bytes (no checks, no checksum, no database). */
export const BARE: Target = {
  name: 'bare node:http',
  script: script('bare'),
  args: (dataDir) => [dataDir],
  fileOf: (dir, id) => join(dir, id),
  upload: fragoProtocol,
};

/**
 * The peer: @tus/server with its file store. Its chunks go one after another (it offers
 * no concatenation, so no parallel parts); a small upload is a creation POST and one PATCH.
 */
export const TUS: Target = {
  name: '@tus/server + file-store',
  script: script('tus'),
  args: (dataDir) => [dataDir],
  fileOf: (dir, id) => join(dir, id),
  upload: (origin, source, size, options) => tusUpload(`${origin}/files`, source, size, options.chunkSize),
};

/** @tus/server again, driven by the real tus-js-client (8 MiB chunks one after another: it answers `Upload-Concat` with 501). */
export const TUS_JS: Target = {
  ...TUS,
  name: '@tus/server + file-store (tus-js-client)',
  upload: (origin, source, _size, options) => tusJsUpload(`${origin}/files/`, source, { chunkSize: options.chunkSize, parallelUploads: 1 }),
};

/** @tus/server again, each small file in one request (creation-with-upload). */
export const TUS_ONE_REQUEST: Target = {
  ...TUS,
  name: '@tus/server + file-store (one request)',
  upload: (origin, source, size) => tusOneRequest(`${origin}/files`, source, size),
};

/**
 * frago (Express, SQLite, disk, the defaults) spoken to in tus at `/files/`: through
 * tus-js-client with `parallelUploads: 4` (parts joined by a final), or each small file
 * in one request (creation-with-upload). tus announces no whole-file checksum; frago
 * still computes one of every upload: md5, or the server's `defaultAlgorithm` when set
 * (crc32c: the parts' chunk CRCs combine into the final's, nothing read back).
 */
export function fragoTus(
  client: 'tus-js-client' | 'one request',
  settings: Pick<FragoSettings, 'fsync'> & { readonly defaultAlgorithm?: ChecksumAlgorithm } = {},
): Target {
  const base = frago('express', 'sqlite', settings);
  const how = client === 'tus-js-client' ? 'tus-js-client parallelUploads: 4' : 'one request';
  const notes = [how, settings.fsync === 'none' ? 'fsync none' : '', settings.defaultAlgorithm ?? ''].filter(Boolean).join('; ');
  return {
    ...base,
    name: `frago express + sqlite via tus (${notes})`,
    env: { ...base.env, ...(settings.defaultAlgorithm === undefined ? {} : { FRAGO_DEFAULT_ALGORITHM: settings.defaultAlgorithm }) },
    checksum: undefined,
    upload:
      client === 'tus-js-client'
        ? (origin, source, _size, options) => tusJsUpload(`${origin}/files/`, source, { chunkSize: options.chunkSize, parallelUploads: 4 })
        : (origin, source, size) => tusOneRequest(`${origin}/files`, source, size),
  };
}

export interface FragoSettings {
  readonly fsync?: 'chunk' | 'none';
  /** The algorithm the client asks for (md5, the default's, or a cheap one such as xxhash64). */
  readonly checksum?: ChecksumAlgorithm;
  /** Where whole-file checksums are computed: a worker thread (the default server's choice) or the request's thread. */
  readonly hashing?: 'thread' | 'in-thread';
  /** With a pino logger (a line per request, to a file) and Prometheus metrics, as the default server runs. */
  readonly observed?: boolean;
  /** Each upload in one request (the draft's `Upload-Complete: ?1` creation) instead of start, chunks, finalize. */
  readonly oneRequest?: boolean;
  /** False: no whole-file checksum at all (the server's checksum mode `off`), to see what checksums cost. */
  readonly wholeFileChecksum?: boolean;
  /**
   * Node's `--max-semi-space-size` for the server, in MiB (a smaller young generation is
   * collected more often); by default {@link DEFAULT_SERVER_SEMI_SPACE_MIB}, as the
   * default server's `pnpm start` runs; null for V8's own default.
   */
  readonly semiSpaceMiB?: number | null;
}

/** The young generation the default server runs with (`examples/default-server`'s `start`). */
export const DEFAULT_SERVER_SEMI_SPACE_MIB = 2;

/** frago under one adapter and one SQL driver, with DiskStorage and the library's defaults. */
export function frago(adapter: string, database: BenchDriver, settings: FragoSettings = {}): Target {
  const { fsync = 'chunk', hashing = 'thread', checksum = 'md5', observed = false, oneRequest = false, wholeFileChecksum = true } = settings;
  const semiSpaceMiB = settings.semiSpaceMiB === undefined ? DEFAULT_SERVER_SEMI_SPACE_MIB : settings.semiSpaceMiB;
  const notes = [
    oneRequest ? 'one request' : '',
    wholeFileChecksum ? (checksum === 'md5' ? '' : checksum) : 'no checksum',
    fsync === 'none' ? 'fsync none' : '',
    hashing === 'in-thread' ? 'hashing in-thread' : '',
    observed ? 'logs + metrics' : '',
    semiSpaceMiB === DEFAULT_SERVER_SEMI_SPACE_MIB ? '' : `semi-space ${semiSpaceMiB ?? "V8's default"}${semiSpaceMiB === null ? '' : ' MiB'}`,
  ];
  const note = notes.filter(Boolean).join(', ');
  return {
    name: `frago ${adapter} + ${database}${note === '' ? '' : ` (${note})`}`,
    script: script('frago'),
    args: (dataDir, target) => [adapter, database, dataDir, target],
    env: {
      FRAGO_FSYNC: fsync,
      FRAGO_HASHING: hashing,
      FRAGO_OBSERVED: observed ? '1' : '0',
      FRAGO_CHECKSUM: wholeFileChecksum ? 'on' : 'off',
      ...(semiSpaceMiB === null ? {} : { NODE_OPTIONS: `--max-semi-space-size=${semiSpaceMiB}` }),
    },
    driver: database,
    ...(wholeFileChecksum ? { checksum } : {}),
    reportsHeap: true,
    fileOf: (dir, id) => join(dir, 'assembled', `${id}-bench.bin`),
    upload: oneRequest ? (origin, source, size) => oneRequestUpload(`${origin}/upload`, source, size) : fragoProtocol,
  };
}

const CHOSEN = process.env.BENCH_TARGETS?.split(',') ?? null;

/** The targets BENCH_TARGETS names (all when unset); the anchors always stay, every ratio is against them. */
export function chosen(targets: readonly Target[]): Target[] {
  return targets.filter((target) => target === BARE || target === TUS || CHOSEN === null || CHOSEN.includes(target.name));
}
