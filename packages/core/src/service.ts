import { exactLength, tap } from './body.js';
import { digestsEqual, resolveChecksumAlgorithm, ResumableHasher, type ChecksumAlgorithm } from './checksum.js';
import { ChecksumProgress } from './checksum-progress.js';
import { ClaimLease } from './claim-lease.js';
import { formatChunkDigest, type ChunkDigest } from './digest.js';
import { FragoError, isFragoError, wrapError } from './errors.js';
import type { FragoEmitter } from './events.js';
import { idleTimeout } from './idle-timeout.js';
import { safeDirectory, safeFilename, validateFilename } from './filename.js';
import { assertOwner, ownerKey, type Identity } from './identity.js';
import { IntervalSet, rangeSize, type ByteRange } from './intervals.js';
import { isLiveClaim, type ChunkRecord, type UploadRecord } from './model.js';
import type { ResolvedOptions } from './options.js';
import type { WrittenChunk } from './ports.js';
import { expiredError, statusError } from './status-errors.js';

/** What a client asks for when it starts an upload. */
export interface StartUpload {
  readonly filename: unknown;
  readonly totalSize: unknown;
  readonly checksum?: unknown;
  readonly checksumAlgorithm?: unknown;
  readonly metadata?: unknown;
}

/** One chunk as a protocol hands it to the service. */
export interface ChunkInput {
  readonly range: ByteRange & { readonly total: number };
  readonly body: AsyncIterable<Uint8Array>;
  readonly digest?: ChunkDigest | null;
  readonly signal?: AbortSignal;
}

/** The outcome of a chunk write. */
export interface ChunkResult {
  readonly upload: UploadRecord;
  readonly range: ByteRange;
  readonly duplicate: boolean;
}

/** An upload with its chunks, what they cover and what is missing. */
export interface UploadState {
  readonly upload: UploadRecord;
  /** Every recorded chunk, stored and pending, including pending claims whose lease lapsed. */
  readonly chunks: readonly ChunkRecord[];
  readonly received: IntervalSet;
  /** What no stored chunk covers; a range that is only in flight is missing too. */
  readonly missing: readonly ByteRange[];
  /**
   * The ranges some request is receiving right now: pending claims whose lease had not
   * lapsed at the service's `now()`. A lapsed claim (its request stalled, or its
   * process died) is not in flight: its range may be sent again at once.
   */
  readonly inFlight: readonly ByteRange[];
}

/** The outcome of finalize. `alreadyComplete` is true when an earlier call completed it. */
export interface FinalizeResult {
  readonly upload: UploadRecord;
  readonly alreadyComplete: boolean;
  /** The algorithm of `upload.checksum`. */
  readonly algorithm: ChecksumAlgorithm;
}

/** One page of an identity's uploads. */
export interface UploadPage {
  readonly uploads: readonly UploadRecord[];
  readonly nextCursor: string | null;
}

const HEX = /^[0-9a-f]+$/i;

function encodeCursor(upload: UploadRecord): string {
  return btoa(`${upload.createdAt.toISOString()}|${upload.id}`).replace(/=+$/, '');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  let decoded = '';
  try {
    decoded = atob(cursor);
  } catch {
    // handled below as a malformed cursor
  }
  const [iso, id] = decoded.split('|');
  const createdAt = new Date(iso ?? '');
  if (id === undefined || id === '' || Number.isNaN(createdAt.getTime())) {
    throw new FragoError('INVALID_REQUEST', 'cursor is not one this server issued');
  }
  return { createdAt, id };
}

/**
 * The upload service: everything frago does, independent of any protocol. Every
 * call is checked against the caller's identity and the upload's status and expiry;
 * every decision is a compare-and-set in the repository, so several processes can
 * serve one upload at once.
 */
export class UploadService {
  private readonly checksums: ChecksumProgress;

  constructor(
    private readonly options: ResolvedOptions,
    readonly events: FragoEmitter,
  ) {
    this.checksums = new ChecksumProgress(options.repository, options.storage, options.checksum.hashers);
  }

  /** The chunk size proposed to clients. */
  get chunkSize(): number {
    return this.options.chunkSize;
  }

  /**
   * The chunk size proposed to clients for an upload of `totalSize` bytes: the larger of
   * {@link UploadService.chunkSize} and what the storage needs for that size (see
   * `StorageCapabilities.chunkSizeFor`), within `limits.maxChunkSize`.
   */
  chunkSizeFor(totalSize: number): number {
    const needed = this.options.storage.capabilities.chunkSizeFor?.(totalSize) ?? 0;
    return Math.min(Math.max(this.options.chunkSize, needed), this.options.limits.maxChunkSize);
  }

  /** The limits in force. */
  get limits(): ResolvedOptions['limits'] {
    return this.options.limits;
  }

  /**
   * Starts an upload: validates the request, runs the `beforeCreate` hook, records the
   * upload and opens its storage space (the record is removed again when that fails).
   *
   * @throws {FragoError} `INVALID_FILENAME`, `INVALID_SIZE`, `UPLOAD_TOO_LARGE`,
   * `UNSUPPORTED_CHECKSUM`, `INVALID_REQUEST`, `TOO_MANY_UPLOADS`, or a hook's error.
   */
  async create(identity: Identity, input: StartUpload): Promise<UploadRecord> {
    const { limits, checksum: settings, repository, storage } = this.options;
    const filename = validateFilename(input.filename);
    const totalSize = input.totalSize;
    if (typeof totalSize !== 'number' || !Number.isSafeInteger(totalSize) || totalSize < 0) {
      throw new FragoError('INVALID_SIZE', 'total_size must be a whole number of bytes, zero or more');
    }
    if (totalSize > limits.maxUploadSize) {
      throw new FragoError('UPLOAD_TOO_LARGE', `total_size is over the limit of ${limits.maxUploadSize} bytes`, {
        details: { max_upload_size: limits.maxUploadSize },
      });
    }
    const algorithm =
      input.checksumAlgorithm === undefined || input.checksumAlgorithm === null
        ? settings.defaultAlgorithm
        : resolveChecksumAlgorithm(input.checksumAlgorithm, settings.allowed);
    const checksum = input.checksum === undefined || input.checksum === null ? null : input.checksum;
    if (checksum !== null && (typeof checksum !== 'string' || !HEX.test(checksum) || checksum.length > 256)) {
      throw new FragoError('INVALID_REQUEST', 'checksum must be a hex digest');
    }
    const metadata = input.metadata ?? {};
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new FragoError('INVALID_REQUEST', 'metadata must be a JSON object');
    }
    const owner = ownerKey(identity);
    if (owner !== null && Number.isFinite(limits.maxActiveUploadsPerOwner)) {
      const active = await this.repo(() => repository.countActive(owner));
      if (active >= limits.maxActiveUploadsPerOwner) {
        throw new FragoError('TOO_MANY_UPLOADS', 'Too many uploads in progress; finish or abort one first');
      }
    }
    const hooked = await this.options.hooks.beforeCreate?.(
      { filename, totalSize, checksum, checksumAlgorithm: algorithm, metadata: metadata as Record<string, unknown> },
      identity,
    );
    const now = this.options.now();
    const id = this.options.generateId();
    // The record comes first: a process that dies before the storage space exists leaves
    // a row the sweeper finds once it expires, never space that nothing points to.
    const upload = await this.repo(() =>
      repository.create({
        id,
        owner,
        filename,
        totalSize,
        storageKey: id,
        checksumAlgorithm: algorithm,
        expectedChecksum: checksum === null ? null : checksum.toLowerCase(),
        metadata: hooked ?? (metadata as Record<string, unknown>),
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.options.expirationMs),
        hash: { algorithm, offset: 0, state: null },
      }),
    );
    try {
      await this.store(() => storage.create(id, totalSize, { uploadId: id, filename: safeFilename(filename), totalSize }));
    } catch (error) {
      await storage.delete(id).catch(() => undefined);
      await repository.delete(id).catch(() => undefined);
      throw error;
    }
    this.events.emit('upload:started', { upload });
    return upload;
  }

  /**
   * Receives one chunk. The range is claimed atomically first, so a duplicate is
   * recognised without reading its body and an overlapping range is refused; the
   * bytes are then streamed to the storage and recorded only when every declared
   * byte arrived (and matched the chunk digest, when one was sent).
   *
   * @throws {FragoError} `UPLOAD_NOT_FOUND`, `INVALID_RANGE`, `CHUNK_TOO_LARGE`,
   * `RANGE_CONFLICT`, `RANGE_IN_FLIGHT`, `BODY_LENGTH_MISMATCH`, `DIGEST_MISMATCH`,
   * `BODY_TIMEOUT` (the body stalled for `bodyIdleTimeoutMs`), `CLIENT_ABORTED`, a
   * status error (`UPLOAD_COMPLETED`, `UPLOAD_BUSY`, `UPLOAD_EXPIRED`,
   * `UPLOAD_ABORTED`), `STORAGE_FAILED`, `REPOSITORY_FAILED`.
   */
  async writeChunk(identity: Identity, uploadId: string, chunk: ChunkInput): Promise<ChunkResult> {
    const { repository, storage, limits } = this.options;
    const upload = await this.liveUpload(identity, uploadId);
    const { range } = chunk;
    if (range.total !== upload.totalSize) {
      throw new FragoError('INVALID_RANGE', `Content-Range total must be the upload's total_size (${upload.totalSize})`);
    }
    const size = rangeSize(range);
    if (size > limits.maxChunkSize) {
      throw new FragoError('CHUNK_TOO_LARGE', `A chunk may carry at most ${limits.maxChunkSize} bytes`, {
        details: { max_chunk_size: limits.maxChunkSize },
      });
    }
    const digest = chunk.digest ? formatChunkDigest(chunk.digest) : null;
    const claimId = this.options.generateId();
    const lease = new ClaimLease(this.options.claimLeaseMs, this.options.now, (until) =>
      repository.renewClaim(uploadId, claimId, until),
    );
    const claim = await this.repo(() =>
      repository.claimRange(uploadId, range, { claimId, digest, leaseUntil: lease.leaseUntil, now: this.options.now() }),
    );
    switch (claim.kind) {
      case 'duplicate':
        if (digest !== null && claim.chunk.digest !== null && claim.chunk.digest !== digest) {
          throw new FragoError('RANGE_CONFLICT', 'This range was already received with different content', {
            details: { conflict: { start: claim.chunk.start, end: claim.chunk.end } },
          });
        }
        this.events.emit('chunk:received', { upload, range, duplicate: true });
        return { upload, range, duplicate: true };
      case 'in_flight':
        throw new FragoError('RANGE_IN_FLIGHT', 'This range is being received by another request; retry later', {
          details: { conflict: { start: claim.chunk.start, end: claim.chunk.end } },
        });
      case 'conflict':
        throw new FragoError('RANGE_CONFLICT', 'This range overlaps a range already received or in flight', {
          details: { conflict: { start: claim.chunk.start, end: claim.chunk.end } },
        });
      case 'not_in_progress':
        throw claim.upload === null ? new FragoError('UPLOAD_NOT_FOUND', 'No such upload') : statusError(claim.upload);
      case 'claimed':
        break;
    }

    try {
      const { hashed, storageData } = await this.receive(upload, chunk, lease);
      const stored = await this.repo(() => repository.storeClaim(uploadId, claimId, storageData));
      if (!stored) throw statusError((await this.repo(() => repository.get(uploadId))) ?? upload, true);
      if (hashed !== null) {
        await this.repo(() =>
          repository.saveHashProgress(uploadId, range.start, {
            algorithm: upload.hash.algorithm,
            offset: range.end + 1,
            state: hashed,
          }),
        );
      }
    } catch (error) {
      await repository.releaseClaim(uploadId, claimId).catch(() => undefined);
      throw error;
    }
    // Catch the checksum up in the background, unless the chunk took it to the end (a
    // one-chunk upload) or the storage cannot read bytes back before it is sealed (S3).
    const hashedToEnd = upload.hash.offset === range.start && range.end + 1 === upload.totalSize;
    const readable = this.options.storage.seal === undefined;
    if (this.options.checksum.mode !== 'off' && readable && !hashedToEnd) {
      this.checksums.advance(uploadId);
      // Answer only once the checksum is close behind this chunk: a client sending faster
      // than the server hashes is slowed down, instead of finalize hashing the backlog.
      await this.checksums.reached(uploadId, range.end + 1 - this.options.checksum.maxLagBytes);
    }
    this.events.emit('chunk:received', { upload, range, duplicate: false });
    return { upload, range, duplicate: false };
  }

  /**
   * Streams a claimed chunk to the storage, renewing the claim while bytes flow.
   * When the chunk starts exactly where the whole-file checksum stopped, it is hashed
   * on the way, and the hasher's new state is returned with what the storage returned.
   */
  private async receive(
    upload: UploadRecord,
    chunk: ChunkInput,
    lease: ClaimLease,
  ): Promise<{ hashed: Uint8Array | null; storageData: string | null }> {
    const { storage } = this.options;
    const { range } = chunk;
    const wholeFile =
      this.options.checksum.mode !== 'off' && upload.hash.offset === range.start
        ? await this.options.checksum.hashers.open(upload.hash.algorithm, upload.hash.state)
        : null;
    const chunkHasher = chunk.digest ? await ResumableHasher.create(chunk.digest.algorithm) : null;
    const source = idleTimeout(chunk.body, this.options.bodyIdleTimeoutMs);
    const body = tap(exactLength(source, rangeSize(range)), (piece) => {
      lease.touch();
      chunkHasher?.update(piece);
      return wholeFile?.update(piece);
    });
    lease.start();
    try {
      let written: void | WrittenChunk;
      try {
        const placement = { end: range.end, totalSize: upload.totalSize };
        written = await storage.write(upload.storageKey, range.start, body, chunk.signal, placement);
      } catch (error) {
        if (isFragoError(error)) throw error;
        if (chunk.signal?.aborted) throw new FragoError('CLIENT_ABORTED', 'The client went away mid-chunk', { cause: error });
        throw new FragoError('STORAGE_FAILED', 'The chunk could not be stored', { cause: error });
      } finally {
        lease.stop();
      }
      if (chunkHasher !== null && chunk.digest && !digestsEqual(chunkHasher.digest(), chunk.digest.hex)) {
        throw new FragoError('DIGEST_MISMATCH', 'The chunk does not match its digest; send it again');
      }
      const hashed = wholeFile === null ? null : await wholeFile.save();
      return { hashed, storageData: written?.storageData ?? null };
    } finally {
      wholeFile?.close();
      chunkHasher?.close();
    }
  }

  /**
   * The upload with its chunks, what they cover and what is missing.
   *
   * @throws {FragoError} `UPLOAD_NOT_FOUND`, `UPLOAD_EXPIRED`, `UPLOAD_ABORTED`.
   */
  async status(identity: Identity, uploadId: string): Promise<UploadState> {
    const upload = await this.visibleUpload(identity, uploadId);
    if (upload.status === 'expired' || upload.status === 'aborted') throw statusError(upload);
    const live = await this.expireIfDue(upload);
    return this.state(live);
  }

  /**
   * The caller's uploads, newest first, `limit` at a time. An anonymous caller owns
   * nothing and gets an empty list.
   */
  async list(identity: Identity, page: { limit?: number; cursor?: string | null }): Promise<UploadPage> {
    const owner = ownerKey(identity);
    const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), 200);
    const after = page.cursor ? decodeCursor(page.cursor) : undefined;
    if (owner === null) return { uploads: [], nextCursor: null };
    const uploads = await this.repo(() => this.options.repository.list(owner, { limit: limit + 1, after }));
    const visible = uploads.slice(0, limit);
    const last = visible[visible.length - 1];
    return { uploads: visible, nextCursor: uploads.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Verifies and assembles an upload. Exactly one caller assembles: the move to
   * `assembling` is a compare-and-set. A checksum mismatch puts the upload back
   * `in_progress` with its bytes kept. Finalizing a completed upload again returns it
   * with `alreadyComplete`.
   *
   * @throws {FragoError} `UPLOAD_INCOMPLETE` (with the missing ranges),
   * `CHECKSUM_MISMATCH`, `UNSUPPORTED_CHECKSUM`, `UPLOAD_BUSY`, a status error, or a
   * hook's error.
   */
  async finalize(
    identity: Identity,
    uploadId: string,
    request: { checksum?: unknown; checksumAlgorithm?: unknown },
  ): Promise<FinalizeResult> {
    const { repository, storage, checksum: settings, hooks } = this.options;
    const found = await this.visibleUpload(identity, uploadId);
    if (found.status === 'complete') return { upload: found, alreadyComplete: true, algorithm: found.checksumAlgorithm };
    const now = this.options.now();
    const takeover = found.status === 'assembling' && found.leaseUntil !== null && found.leaseUntil < now;
    const upload = takeover ? found : await this.expireIfDue(found);
    if (upload.status !== 'in_progress' && !takeover) throw statusError(upload);

    const expected = this.expectedChecksum(upload, request.checksum);
    const algorithm =
      request.checksumAlgorithm === undefined || request.checksumAlgorithm === null
        ? upload.checksumAlgorithm
        : resolveChecksumAlgorithm(request.checksumAlgorithm, settings.allowed);
    const { missing } = await this.state(upload);
    if (missing.length > 0) {
      throw new FragoError('UPLOAD_INCOMPLETE', 'Not all chunks uploaded', {
        details: { missing: missing.map(({ start, end }) => ({ start, end })) },
      });
    }
    await hooks.beforeFinalize?.(upload, identity);

    const leaseUntil = new Date(now.getTime() + this.options.assemblyLeaseMs);
    const guard = takeover ? { status: 'assembling' as const, leaseExpiredBefore: now } : { status: 'in_progress' as const };
    const assembling = await this.repo(() => repository.transition(uploadId, guard, 'assembling', { leaseUntil }));
    if (assembling === null) {
      const current = await this.repo(() => repository.get(uploadId));
      if (current?.status === 'complete') return { upload: current, alreadyComplete: true, algorithm: current.checksumAlgorithm };
      throw current === null ? new FragoError('UPLOAD_NOT_FOUND', 'No such upload') : statusError(current);
    }

    const giveBack = () =>
      repository.transition(uploadId, { status: 'assembling' }, 'in_progress', { leaseUntil: null }).catch(() => null);
    let checksum: string | null = null;
    let location: string;
    try {
      await this.seal(assembling);
      // A finalizer that died after assembling left the digest it verified: the bytes it
      // hashed may be gone from the storage now.
      const verified = assembling.checksum !== null && assembling.checksumAlgorithm === algorithm ? assembling.checksum : null;
      if (settings.mode !== 'off') {
        const waited = verified === null && (await this.checksums.settled(uploadId));
        const latest = waited ? ((await this.repo(() => repository.get(uploadId))) ?? assembling) : assembling;
        checksum = verified ?? (await this.store(() => this.checksums.digest(latest, algorithm)));
      }
      if (checksum !== null && expected !== null && !digestsEqual(checksum, expected)) {
        const reverted = (await giveBack()) ?? assembling;
        this.events.emit('checksum:failed', { upload: reverted, algorithm, expected, actual: checksum });
        throw new FragoError('CHECKSUM_MISMATCH', 'Checksum mismatch', {
          details: { expected, actual: checksum, checksum_algo: algorithm },
        });
      }
      if (checksum !== null && verified === null && algorithm !== assembling.hash.algorithm) {
        // Only the saved progress of the upload's own algorithm survives assembling; a
        // digest of another one is kept with the upload before its bytes move.
        await this.repo(() => repository.transition(uploadId, { status: 'assembling' }, 'assembling', { checksum, checksumAlgorithm: algorithm }));
      }
      const target = await hooks.assembleTarget?.(assembling);
      ({ location } = await this.store(() =>
        storage.assemble(assembling.storageKey, {
          uploadId,
          filename: safeFilename(target?.filename ?? assembling.filename),
          totalSize: assembling.totalSize,
          directory: target?.directory ? safeDirectory(target.directory) : undefined,
        }),
      ));
    } catch (error) {
      if (!isFragoError(error, 'CHECKSUM_MISMATCH')) await giveBack();
      throw error;
    }
    const completed = await this.repo(() =>
      repository.transition(uploadId, { status: 'assembling' }, 'complete', {
        checksum,
        ...(checksum === null ? {} : { checksumAlgorithm: algorithm }),
        location,
        completedAt: this.options.now(),
        leaseUntil: null,
      }),
    );
    if (completed === null) {
      const current = await this.repo(() => repository.get(uploadId));
      if (current?.status === 'complete') return { upload: current, alreadyComplete: true, algorithm: current.checksumAlgorithm };
      throw new FragoError('UPLOAD_BUSY', 'Another request is finalizing this upload');
    }
    this.events.emit('upload:completed', { upload: completed, location, checksum: checksum ?? '' });
    return { upload: completed, alreadyComplete: false, algorithm };
  }

  /**
   * Aborts an upload in progress: its bytes and records are deleted.
   *
   * @throws {FragoError} `UPLOAD_NOT_FOUND`, or a status error for an upload that is
   * assembling, complete, expired or already aborted.
   */
  async abort(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const { repository, storage } = this.options;
    const upload = await this.liveUpload(identity, uploadId);
    const aborted = await this.repo(() => repository.transition(uploadId, { status: 'in_progress' }, 'aborted'));
    if (aborted === null) {
      const current = await this.repo(() => repository.get(uploadId));
      throw current === null ? new FragoError('UPLOAD_NOT_FOUND', 'No such upload') : statusError(current);
    }
    this.events.emit('upload:aborted', { upload: aborted });
    await this.store(() => storage.delete(upload.storageKey));
    await this.repo(() => repository.delete(uploadId));
    return aborted;
  }

  /**
   * Deletes the bytes and records of every upload past its expiry (and of any left
   * expired or aborted), never a completed file. Safe to run from several processes
   * at once: each upload expires once (one `upload:expired` event), and deleting it
   * twice is harmless. Returns how many uploads this call deleted; sweepers racing
   * may each count the same upload.
   */
  async sweepExpired(options: { batchSize?: number } = {}): Promise<number> {
    const { repository, storage } = this.options;
    const batchSize = options.batchSize ?? 100;
    let removed = 0;
    for (;;) {
      const due = await this.repo(() => repository.findExpired(this.options.now(), batchSize));
      for (const upload of due) {
        if (upload.status === 'in_progress') {
          const expired = await this.repo(() => repository.transition(upload.id, { status: 'in_progress' }, 'expired'));
          if (expired === null) continue;
          this.events.emit('upload:expired', { upload: expired });
        }
        await this.store(() => storage.delete(upload.storageKey));
        await this.repo(() => repository.delete(upload.id));
        removed += 1;
      }
      if (due.length < batchSize) return removed;
    }
  }

  /** Hands the stored chunks to a storage that joins them before they can be read or assembled. */
  private async seal(upload: UploadRecord): Promise<void> {
    const { storage, repository } = this.options;
    const seal = storage.seal?.bind(storage);
    if (seal === undefined) return;
    // Read after the move to `assembling`: no chunk can be stored any more, so this is the final set.
    const chunks = (await this.repo(() => repository.chunks(upload.id)))
      .filter((chunk) => chunk.state === 'stored')
      .map(({ start, end, storageData }) => ({ start, end, storageData: storageData ?? null }));
    await this.store(() => seal(upload.storageKey, chunks));
  }

  private expectedChecksum(upload: UploadRecord, given: unknown): string | null {
    if (given !== undefined && given !== null && given !== '') {
      if (typeof given !== 'string' || !HEX.test(given.trim()) || given.length > 256) {
        throw new FragoError('INVALID_REQUEST', 'checksum must be a hex digest');
      }
      return given.trim().toLowerCase();
    }
    if (upload.expectedChecksum === null && this.options.checksum.mode === 'required') {
      throw new FragoError('INVALID_REQUEST', 'checksum is required to finalize an upload');
    }
    return upload.expectedChecksum;
  }

  private async state(upload: UploadRecord): Promise<UploadState> {
    const chunks = await this.repo(() => this.options.repository.chunks(upload.id));
    const received = IntervalSet.from(chunks.filter((chunk) => chunk.state === 'stored'));
    const missing = upload.status === 'complete' ? [] : received.missing(upload.totalSize);
    const now = this.options.now();
    const inFlight = chunks.filter((chunk) => isLiveClaim(chunk, now));
    return { upload, chunks, received, missing, inFlight };
  }

  /** The upload if the caller may see it; foreign and unknown uploads look the same. */
  private async visibleUpload(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const upload = await this.repo(() => this.options.repository.get(uploadId));
    if (upload === null) throw new FragoError('UPLOAD_NOT_FOUND', 'No such upload');
    assertOwner(identity, upload);
    return upload;
  }

  /** The caller's upload, which must be `in_progress` and not past its expiry. */
  private async liveUpload(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const upload = await this.expireIfDue(await this.visibleUpload(identity, uploadId));
    if (upload.status !== 'in_progress') throw statusError(upload);
    return upload;
  }

  /**
   * Expires an upload that is past its expiry (once, whoever sees it first), deletes its
   * bytes and throws; returns any other upload unchanged.
   */
  private async expireIfDue(upload: UploadRecord): Promise<UploadRecord> {
    if (upload.status !== 'in_progress' || upload.expiresAt > this.options.now()) return upload;
    const expired = await this.repo(() => this.options.repository.transition(upload.id, { status: 'in_progress' }, 'expired'));
    if (expired !== null) {
      this.events.emit('upload:expired', { upload: expired });
      await this.store(() => this.options.storage.delete(upload.storageKey));
    }
    throw expiredError();
  }

  private async repo<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw wrapError(error, 'REPOSITORY_FAILED', 'The upload records are not available right now');
    }
  }

  private async store<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', 'The storage failed');
    }
  }
}
