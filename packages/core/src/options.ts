import type { ChecksumAlgorithm } from './checksum.js';
import { CHECKSUM_ALGORITHMS } from './checksum.js';
import type { FragoEmitter } from './events.js';
import { inThreadHashers, type Hashers } from './hashers.js';
import type { Identity } from './identity.js';
import type { FragoInstrumentation } from './instrumentation.js';
import type { FragoLogger } from './logger.js';
import type { UploadRecord } from './model.js';
import type { Storage, UploadRepository } from './ports.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Size limits. Every one has a safe default. */
export interface FragoLimits {
  /** The largest file an upload may announce. Default 50 GiB. */
  readonly maxUploadSize: number;
  /** The largest byte range one PUT may carry. Default 256 MiB. */
  readonly maxChunkSize: number;
  /** The largest JSON body of a start or finalize call. Default 64 KiB. */
  readonly maxJsonBytes: number;
  /** How many `in_progress` or `assembling` uploads one identity may have. Default unlimited. */
  readonly maxActiveUploadsPerOwner: number;
}

/** Whole-file checksum settings, as the original's `DO_CHECKSUM` and `CHECKSUM_TYPE`. */
export interface ChecksumOptions {
  /** Used when the client names none. Default `md5`. */
  readonly defaultAlgorithm: ChecksumAlgorithm;
  /** The algorithms a client may ask for. Default: all that frago knows. */
  readonly allowed: readonly ChecksumAlgorithm[];
  /**
   * `optional` (default): verified when the client gives a checksum, and always
   * computed and reported; `required`: finalize without a checksum is refused;
   * `off`: never computed.
   */
  readonly mode: 'optional' | 'required' | 'off';
  /**
   * How far, in bytes, the whole-file checksum may fall behind a stored chunk before
   * that chunk's response waits for it (chunks that arrive out of order are hashed in
   * the background, once the gap before them is filled). This bounds what finalize has
   * left to hash, and so its latency, at the cost of slowing a client that sends faster
   * than the server hashes. A chunk after a gap never waits. Default 16 MiB;
   * `Infinity` never waits.
   */
  readonly maxLagBytes: number;
  /**
   * Where whole-file checksums are computed. Default {@link inThreadHashers}, in the
   * request's thread; on Node, `threadHashers()` from `@frago/core/node` uses worker
   * threads, which keeps hashing off the event loop and uses a second core.
   */
  readonly hashers: Hashers;
}

/** What a create call asked for, as the `beforeCreate` hook sees it. */
export interface CreateInput {
  readonly filename: string;
  /** Null when the client defers the size; the server's `maxUploadSize` still bounds it as bytes arrive. */
  readonly totalSize: number | null;
  readonly checksum: string | null;
  readonly checksumAlgorithm: ChecksumAlgorithm;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** Hooks that may veto by throwing a `FragoError`, or shape an upload. */
export interface FragoHooks {
  /** Before an upload is created (quota, size, type checks). May return metadata to store instead of the client's. */
  beforeCreate?(input: CreateInput, identity: Identity): void | Record<string, unknown> | Promise<void | Record<string, unknown>>;
  /** Before an upload is verified and assembled. */
  beforeFinalize?(upload: UploadRecord, identity: Identity): void | Promise<void>;
  /**
   * Chooses where the assembled file goes, per upload (e.g. a folder per device).
   * Both parts are made safe before use; the default keeps the client's filename in
   * the storage's assembled root.
   */
  assembleTarget?(upload: UploadRecord): { directory?: string; filename?: string } | Promise<{ directory?: string; filename?: string }>;
}

/** Options of {@link createFrago}. */
export interface FragoOptions {
  readonly repository: UploadRepository;
  readonly storage: Storage;
  /** An emitter to use; one is created otherwise. */
  readonly events?: FragoEmitter;
  readonly limits?: Partial<FragoLimits>;
  readonly checksum?: Partial<ChecksumOptions>;
  /** How long an upload may take before it expires, in milliseconds. Default one day, as the original. */
  readonly expirationMs?: number;
  /** The chunk size proposed to clients when an upload starts. Default: the storage's preference, or 8 MiB. */
  readonly chunkSize?: number;
  /** How long a chunk claim lives without renewal; renewed while its bytes flow. Default 30 s. */
  readonly claimLeaseMs?: number;
  /** How long a finalizing process holds an upload before another may take over. Default 10 min. */
  readonly assemblyLeaseMs?: number;
  /**
   * How long a chunk body may send nothing before it is ended with `408 BODY_TIMEOUT`
   * and its range is freed at once. Default two thirds of `claimLeaseMs` (20 s): a
   * body stalled that long could not keep its claim anyway. `Infinity` turns it off.
   */
  readonly bodyIdleTimeoutMs?: number;
  readonly hooks?: FragoHooks;
  /**
   * Where frago writes its logs: a pino logger, or anything with its shape (see
   * {@link FragoLogger}). One `info` line per request; every 5xx at `error` with its
   * cause and stack; sweeper failures. Default: nothing is written.
   */
  readonly logger?: FragoLogger;
  /** Observers such as `@frago/prometheus` and `@frago/opentelemetry`; see {@link FragoInstrumentation}. */
  readonly instrumentation?: FragoInstrumentation | readonly FragoInstrumentation[];
  /** The clock; tests move it. */
  readonly now?: () => Date;
  /** Makes upload ids. Default: random UUIDs. */
  readonly generateId?: () => string;
}

/** {@link FragoOptions} with every default filled in. */
export interface ResolvedOptions {
  readonly repository: UploadRepository;
  readonly storage: Storage;
  readonly limits: FragoLimits;
  readonly checksum: ChecksumOptions;
  readonly expirationMs: number;
  readonly chunkSize: number;
  readonly claimLeaseMs: number;
  readonly assemblyLeaseMs: number;
  readonly bodyIdleTimeoutMs: number;
  readonly hooks: FragoHooks;
  readonly now: () => Date;
  readonly generateId: () => string;
}

/** Fills in the defaults. */
export function resolveOptions(options: FragoOptions): ResolvedOptions {
  const limits: FragoLimits = {
    maxUploadSize: 50 * GiB,
    maxChunkSize: 256 * MiB,
    maxJsonBytes: 64 * 1024,
    maxActiveUploadsPerOwner: Number.POSITIVE_INFINITY,
    ...options.limits,
  };
  const claimLeaseMs = options.claimLeaseMs ?? 30_000;
  return {
    repository: options.repository,
    storage: options.storage,
    limits,
    checksum: {
      defaultAlgorithm: 'md5',
      allowed: CHECKSUM_ALGORITHMS,
      mode: 'optional',
      maxLagBytes: 16 * MiB,
      hashers: inThreadHashers,
      ...options.checksum,
    },
    expirationMs: options.expirationMs ?? 24 * 60 * 60 * 1000,
    chunkSize: Math.min(options.chunkSize ?? options.storage.capabilities.preferredChunkSize ?? 8 * MiB, limits.maxChunkSize),
    claimLeaseMs,
    assemblyLeaseMs: options.assemblyLeaseMs ?? 10 * 60_000,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? Math.floor((claimLeaseMs * 2) / 3),
    hooks: options.hooks ?? {},
    now: options.now ?? (() => new Date()),
    generateId: options.generateId ?? (() => globalThis.crypto.randomUUID()),
  };
}
