import { digestsEqual, isCombinable, type ChecksumAlgorithm } from './checksum.js';
import { ChecksumProgress } from './checksum-progress.js';
import { ClaimLease } from './claim-lease.js';
import type { ConcatenateUploads, FinalizeUpload, ListUploads, StartUpload, WriteChunk } from './commands.js';
import { concatenateUploads } from './concatenate.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { formatChunkDigest } from './digest.js';
import { learnParts, partLayout, requestedParts, type LearnedParts, type PartLayout } from './direct-parts.js';
import { FragoError, isFragoError, wrapError } from './errors.js';
import type { FragoEmitter } from './events.js';
import { safeDirectory, safeFilename } from './filename.js';
import { assertOwner, ownerKey, type Identity } from './identity.js';
import { IntervalSet, rangeSize, type ByteRange } from './intervals.js';
import { isPastExpiry, Lifecycle } from './lifecycle.js';
import { declaredSize, isLiveClaim, type ChunkRecord, type HashProgress, type HeldClaim, type NewUpload, type UploadRecord } from './model.js';
import type { DirectPart, DirectUploads, SignedPart, WrittenChunk } from './ports.js';
import type { ResolvedOptions } from './options.js';
import { receiveChunk } from './receive-chunk.js';
import { expiredError, notFoundError, statusError } from './status-errors.js';

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
  /** For a direct upload: its parts, and the parts the store holds with the wrong size (they count as missing). */
  readonly direct?: PartLayout & { readonly wrongSize: readonly number[] };
}

/** Signed URLs for parts of a direct upload. */
export interface SignedParts extends PartLayout {
  readonly parts: ReadonlyArray<DirectPart & SignedPart>;
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

/**
 * The upload service: everything frago does, independent of any protocol. Every
 * call is checked against the caller's identity and the upload's status and expiry;
 * every decision is a compare-and-set in the repository, so several processes can
 * serve one upload at once.
 */
export class UploadService {
  private readonly checksums: ChecksumProgress;
  private readonly lifecycle: Lifecycle;

  constructor(
    private readonly options: ResolvedOptions,
    readonly events: FragoEmitter,
  ) {
    this.checksums = new ChecksumProgress(options.repository, options.storage, options.checksum.hashers);
    this.lifecycle = new Lifecycle(options.repository);
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

  /**
   * How a direct upload of `totalSize` bytes is cut into parts, or null when the storage
   * takes no direct uploads (see `DirectUploads`) or the size is not declared yet.
   *
   * @throws {FragoError} `UPLOAD_TOO_LARGE` beyond what the storage can take in parts.
   */
  directLayout(totalSize: number | null): PartLayout | null {
    const direct = this.options.storage.direct;
    // An upload whose size is not declared yet has no parts to send direct.
    return direct === undefined || totalSize === null ? null : partLayout(totalSize, direct.partSize(totalSize));
  }

  /**
   * URLs the caller sends parts of its upload to, straight to the store, each bound to
   * its part's size (and MD5, when `contentMd5` gives the part's base64 MD5), valid for
   * the storage's URL lifetime and never past the upload's expiry.
   *
   * @throws {FragoError} `INVALID_REQUEST` (the storage takes no direct uploads, a part
   * that is not one of the upload's, more than 100 at once), `UPLOAD_NOT_FOUND`, a status
   * error, `STORAGE_FAILED`.
   */
  async signParts(
    identity: Identity,
    uploadId: string,
    wanted: readonly number[],
    contentMd5: Readonly<Record<number, string>> = {},
  ): Promise<SignedParts> {
    const direct = this.directStorage();
    const upload = await this.liveUpload(identity, uploadId);
    const size = declaredSize(upload);
    const layout = partLayout(size, direct.partSize(size));
    const parts = requestedParts(size, layout, wanted);
    // Recorded before any URL is handed out, so that status and finalize list the store's parts.
    const markDirect = this.options.repository.markDirect?.bind(this.options.repository);
    if (upload.direct !== true && markDirect !== undefined) await this.repo(() => markDirect(upload.id));
    const signed = await this.store(() => direct.signParts(upload.storageKey, parts, upload.expiresAt, contentMd5));
    return { ...layout, parts: signed };
  }

  /** The limits in force. */
  get limits(): ResolvedOptions['limits'] {
    return this.options.limits;
  }

  /**
   * Refuses a file of `totalSize` bytes that one request may not carry whole: over
   * `limits.maxUploadSize`, or over `limits.maxChunkSize` (send it in chunks or parts).
   *
   * @throws {FragoError} `UPLOAD_TOO_LARGE`, `CHUNK_TOO_LARGE`.
   */
  checkOneRequest(totalSize: number): void {
    const { limits } = this.options;
    if (totalSize > limits.maxUploadSize) throw tooLarge(limits.maxUploadSize);
    if (totalSize > limits.maxChunkSize) throw chunkTooLarge(limits.maxChunkSize);
  }

  /** How long a request body may send nothing before it is ended (`BODY_TIMEOUT`). */
  get bodyIdleTimeoutMs(): number {
    return this.options.bodyIdleTimeoutMs;
  }

  /** The whole-file checksum algorithms this server accepts. */
  get checksumAlgorithms(): readonly ChecksumAlgorithm[] {
    return this.options.checksum.allowed;
  }

  /**
   * Starts an upload: applies the server's policy, runs the `beforeCreate` hook, records
   * the upload and opens its storage space (the record is removed again when that fails).
   *
   * @throws {FragoError} `UPLOAD_TOO_LARGE`, `UNSUPPORTED_CHECKSUM`, `TOO_MANY_UPLOADS`,
   * or a hook's error.
   */
  async create(identity: Identity, command: StartUpload): Promise<UploadRecord> {
    const planned = await this.plan(identity, command);
    return this.open(planned, () => this.options.repository.create(planned));
  }

  /**
   * A one-request upload: starts an upload of `command.totalSize` bytes, stores
   * `chunk.body` as all of them, verifies the checksum computed on the way (against
   * `command.checksum`, when given) and completes the upload, as `create`,
   * `writeChunk` of the whole range and `finalize` would, with fewer records written:
   * where the repository can, the upload and its claim in one step
   * (`UploadRepository.createClaimed`) and the chunk stored with the upload held for
   * assembly in another (`UploadRepository.storeAndHold`). `created` is told the upload
   * once it is recorded, before its bytes are read. A body or checksum that fails leaves
   * the upload as those three calls would: in progress, with the chunk stored when every
   * byte arrived.
   *
   * @throws {FragoError} what `create`, `writeChunk` and `finalize` throw.
   */
  async createComplete(
    identity: Identity,
    command: StartUpload & { readonly totalSize: number },
    chunk: Omit<WriteChunk, 'range'>,
    created: (upload: UploadRecord) => void = () => undefined,
  ): Promise<FinalizeResult> {
    const range = { start: 0, end: command.totalSize - 1, total: command.totalSize };
    const { checksum, repository, storage, limits } = this.options;
    // Refused before anything is recorded, as `create` and then `writeChunk` would refuse the whole file.
    this.checkOneRequest(command.totalSize);
    const required = checksum.mode === 'required' && (command.checksum ?? null) === null;
    // Where the shortcut would change what the three calls do, they are made.
    if (command.totalSize === 0 || required || storage.direct !== undefined) {
      const upload = await this.create(identity, command);
      created(upload);
      if (command.totalSize > 0) await this.writeChunk(identity, upload.id, { ...chunk, range });
      return this.finalize(identity, upload.id, {});
    }
    const planned = await this.plan(identity, command);
    const claimId = this.options.generateId();
    const lease = new ClaimLease(this.options.claimLeaseMs, this.options.now, (until) => repository.renewClaim(planned.id, claimId, until));
    const claim = { ...range, claimId, digest: chunk.digest ? formatChunkDigest(chunk.digest) : null, leaseUntil: lease.leaseUntil };
    const upload = await this.open(planned, async () => {
      if (repository.createClaimed !== undefined) return repository.createClaimed(planned, claim);
      const record = await repository.create(planned);
      const claimed = await repository.claimRange(record.id, range, { ...claim, now: this.options.now() });
      if (claimed.kind !== 'claimed') throw new FragoError('UPLOAD_BUSY', 'The new upload changed before its bytes arrived');
      return record;
    });
    created(upload);
    let received: Awaited<ReturnType<typeof receiveChunk>>;
    try {
      received = await receiveChunk(this.options, upload, { ...chunk, range }, lease, { digest: true });
    } catch (error) {
      await repository.releaseClaim(upload.id, claimId).catch(() => undefined);
      throw await this.chunkFailure(upload, error);
    }
    const hash = received.hashed === null ? null : { algorithm: upload.hash.algorithm, offset: command.totalSize, state: received.hashed };
    const held = await this.holdWhole(identity, upload, { claimId, storageData: received.storageData, checksum: received.checksum, hash });
    this.events.emit('chunk:received', { upload, range, duplicate: false });
    if (held.status === 'complete') return finalized(held, false);
    return this.verifyAndComplete(held, held.checksumAlgorithm, upload.expectedChecksum, received.digest);
  }

  /**
   * The record of a new upload, once the server's policy and the `beforeCreate` hook
   * allow it. @throws {FragoError} what `create` throws.
   */
  private async plan(identity: Identity, command: StartUpload): Promise<NewUpload> {
    const { limits, checksum: settings, repository, storage } = this.options;
    const { filename, totalSize } = command;
    const checksum = command.checksum ?? null;
    const metadata = command.metadata ?? {};
    if (totalSize === null && (storage.capabilities.deferredSize !== true || repository.declareSize === undefined)) {
      throw new FragoError('INVALID_SIZE', 'This server needs the size of an upload when it starts');
    }
    if (totalSize !== null && totalSize > limits.maxUploadSize) {
      throw tooLarge(limits.maxUploadSize);
    }
    const algorithm = this.allowedAlgorithm(command.checksumAlgorithm ?? settings.defaultAlgorithm);
    const owner = ownerKey(identity);
    if (owner !== null && Number.isFinite(limits.maxActiveUploadsPerOwner)) {
      const active = await this.repo(() => repository.countActive(owner));
      if (active >= limits.maxActiveUploadsPerOwner) {
        throw new FragoError('TOO_MANY_UPLOADS', 'Too many uploads in progress; finish or abort one first');
      }
    }
    const hooked = await this.options.hooks.beforeCreate?.(
      { filename, totalSize, checksum, checksumAlgorithm: algorithm, metadata },
      identity,
    );
    const now = this.options.now();
    const id = this.options.generateId();
    return {
      id,
      owner,
      filename,
      totalSize,
      storageKey: id,
      checksumAlgorithm: algorithm,
      expectedChecksum: checksum,
      metadata: hooked ?? metadata,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.options.expirationMs),
      hash: { algorithm, offset: 0, state: null },
    };
  }

  /** Records a planned upload with `record`, then opens its storage space (the record is removed again when that fails). */
  private async open(planned: NewUpload, record: () => Promise<UploadRecord>): Promise<UploadRecord> {
    const { repository, storage } = this.options;
    const { id, filename, totalSize } = planned;
    // The record comes first: a process that dies before the storage space exists leaves
    // a row the sweeper finds once it expires, never space that nothing points to.
    const upload = await this.repo(record);
    try {
      const size = totalSize ?? 0;
      await this.store(() => storage.create(id, size, { uploadId: id, filename: safeFilename(filename), totalSize: size }));
    } catch (error) {
      await storage.delete(id).catch(() => undefined);
      await repository.delete(id).catch(() => undefined);
      throw error;
    }
    this.events.emit('upload:started', { upload });
    return upload;
  }

  /**
   * A one-request upload's chunk stored and the upload held for assembly, once the
   * `beforeFinalize` hook agreed; when it refuses, the chunk is stored and the upload
   * left in progress, as after `writeChunk`.
   */
  private async holdWhole(
    identity: Identity,
    upload: UploadRecord,
    stored: Omit<HeldClaim, 'leaseUntil'>,
  ): Promise<UploadRecord> {
    const { repository } = this.options;
    const { claimId, storageData, checksum = null, hash } = stored;
    const storeOnly = async () => {
      const kept = await repository.storeClaim(upload.id, claimId, storageData, checksum);
      if (kept && hash !== null) await repository.saveHashProgress(upload.id, 0, hash);
      return kept;
    };
    try {
      await this.options.hooks.beforeFinalize?.(upload, identity);
    } catch (error) {
      await this.repo(storeOnly);
      throw error;
    }
    const leaseUntil = new Date(this.options.now().getTime() + this.options.assemblyLeaseMs);
    const held = await this.repo(async () => {
      if (repository.storeAndHold !== undefined) return repository.storeAndHold(upload.id, { claimId, storageData, checksum, hash, leaseUntil });
      return (await storeOnly()) ? this.lifecycle.beginAssembly(upload.id, leaseUntil) : null;
    });
    if (held !== null) return held;
    await repository.releaseClaim(upload.id, claimId).catch(() => undefined);
    throw await this.chunkFailure(upload, new FragoError('RANGE_IN_FLIGHT', 'The claim on this range lapsed; send the chunk again'));
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
  async writeChunk(identity: Identity, uploadId: string, chunk: WriteChunk): Promise<ChunkResult> {
    const { repository, limits } = this.options;
    const upload = await this.liveUpload(identity, uploadId);
    const { range } = chunk;
    if (range.total !== upload.totalSize) {
      const size = upload.totalSize === null ? 'not declared yet' : String(upload.totalSize);
      throw new FragoError('INVALID_RANGE', `The range's total must be the size of the upload (${size})`);
    }
    if (upload.totalSize === null && range.end >= limits.maxUploadSize) {
      throw tooLarge(limits.maxUploadSize);
    }
    if (rangeSize(range) > limits.maxChunkSize) throw chunkTooLarge(limits.maxChunkSize);
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
        throw claim.upload === null ? notFoundError() : statusError(claim.upload);
      case 'claimed':
        break;
    }

    try {
      const { hashed, checksum, storageData } = await receiveChunk(this.options, upload, chunk, lease, { wholeFile: chunk.wholeFileChecksum });
      const stored = await this.repo(() => repository.storeClaim(uploadId, claimId, storageData, checksum));
      if (!stored) throw new FragoError('RANGE_IN_FLIGHT', 'The claim on this range lapsed; send the chunk again');
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
      throw await this.chunkFailure(upload, error);
    }
    // Catch the checksum up in the background, unless the chunk took it to the end (a
    // one-chunk upload), the storage cannot read bytes back before it is sealed (S3), or
    // the chunk's own value is all finalize needs (a combinable checksum).
    const hashedToEnd = upload.hash.offset === range.start && range.end + 1 === upload.totalSize;
    const readable = this.options.storage.seal === undefined;
    const hashing = this.options.checksum.mode !== 'off' && chunk.wholeFileChecksum !== false;
    if (hashing && readable && !hashedToEnd && !isCombinable(upload.hash.algorithm)) {
      this.checksums.advance(uploadId);
      // Answer only once the checksum is close behind this chunk: a client sending faster
      // than the server hashes is slowed down, instead of finalize hashing the backlog.
      await this.checksums.reached(uploadId, range.end + 1 - this.options.checksum.maxLagBytes);
    }
    this.events.emit('chunk:received', { upload, range, duplicate: false });
    return { upload, range, duplicate: false };
  }

  /**
   * Declares the size of an upload started with its size deferred. Declaring the size it
   * already has changes nothing.
   *
   * @throws {FragoError} `INVALID_SIZE` for a size other than the one declared before,
   * or smaller than the bytes already received; `UPLOAD_TOO_LARGE`; `UPLOAD_NOT_FOUND`
   * and the status errors of an upload not in progress.
   */
  async declareSize(identity: Identity, uploadId: string, totalSize: number): Promise<UploadRecord> {
    const { limits, repository, storage } = this.options;
    const upload = await this.liveUpload(identity, uploadId);
    if (upload.totalSize === totalSize) return upload;
    if (upload.totalSize !== null) throw new FragoError('INVALID_SIZE', `The size of this upload is ${upload.totalSize}; it cannot change`);
    if (totalSize > limits.maxUploadSize) {
      throw tooLarge(limits.maxUploadSize);
    }
    const declared = await this.repo(async () => (await repository.declareSize?.(uploadId, totalSize)) ?? null);
    if (declared === null) {
      const current = await this.liveUpload(identity, uploadId);
      if (current.totalSize === totalSize) return current;
      throw new FragoError('INVALID_SIZE', 'The size cannot be smaller than the bytes already sent, nor change once declared');
    }
    await this.store(() => storage.create(upload.storageKey, totalSize, { uploadId, filename: safeFilename(upload.filename), totalSize }));
    return declared;
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
    if (live.status !== 'in_progress' || this.options.storage.direct === undefined) return this.state(live);
    const learned = await this.learn(live, await this.repo(() => this.options.repository.chunks(live.id)));
    return this.state(live, learned);
  }

  /**
   * The caller's uploads, newest first, `limit` at a time. An anonymous caller owns
   * nothing and gets an empty list.
   *
   * @throws {FragoError} `INVALID_REQUEST` for a cursor this server did not issue.
   */
  async list(identity: Identity, page: ListUploads): Promise<UploadPage> {
    const owner = ownerKey(identity);
    const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 200);
    const after = page.cursor === null ? undefined : decodeCursor(page.cursor);
    if (owner === null) return { uploads: [], nextCursor: null };
    const uploads = await this.repo(() => this.options.repository.list(owner, { limit: limit + 1, after }));
    const visible = uploads.slice(0, limit);
    const last = visible[visible.length - 1];
    return { uploads: visible, nextCursor: uploads.length > limit && last ? encodeCursor(last) : null };
  }

  /**
   * Verifies and assembles an upload, in four steps: hold it (`in_progress ->
   * assembling`, a compare-and-set, so exactly one caller assembles), verify its
   * checksum, assemble its bytes, record it complete. A checksum mismatch puts the
   * upload back `in_progress` with its bytes kept. Finalizing a completed upload again
   * returns it with `alreadyComplete`.
   *
   * @throws {FragoError} `UPLOAD_INCOMPLETE` (with the missing ranges),
   * `CHECKSUM_MISMATCH`, `UNSUPPORTED_CHECKSUM`, `INVALID_REQUEST` (no checksum where one
   * is required), `UPLOAD_BUSY`, a status error, or a hook's error.
   */
  async finalize(identity: Identity, uploadId: string, command: FinalizeUpload): Promise<FinalizeResult> {
    const found = await this.visibleUpload(identity, uploadId);
    if (found.status === 'complete') return finalized(found, false);
    const { upload, takeover } = await this.finalizable(found);
    const expected = this.expectedChecksum(upload, command.checksum ?? null);
    const given = command.checksumAlgorithm ?? null;
    const algorithm = given === null ? upload.checksumAlgorithm : this.allowedAlgorithm(given);
    const held = await this.hold(identity, upload, takeover);
    if (held.status === 'complete') return finalized(held, false);
    return this.verifyAndComplete(held, algorithm, expected, null);
  }

  /**
   * Steps two to four of finalize for a held upload: verify (with `computed`, the digest
   * of its bytes when it is known already), assemble, record complete. Any failure but a
   * checksum mismatch gives the upload back.
   */
  private async verifyAndComplete(
    held: UploadRecord,
    algorithm: ChecksumAlgorithm,
    expected: string | null,
    computed: string | null,
  ): Promise<FinalizeResult> {
    let assembled: { checksum: string | null; location: string };
    try {
      const checksum = await this.verify(held, algorithm, expected, computed);
      assembled = { checksum, location: await this.assemble(held) };
    } catch (error) {
      if (!isFragoError(error, 'CHECKSUM_MISMATCH')) await this.lifecycle.reopen(held.id).catch(() => null);
      throw error;
    }
    // Not given back when this fails: the bytes may have moved; a finalizer taking over
    // after the lease finds the digest recorded and completes.
    return this.recordComplete(held, { ...assembled, algorithm });
  }

  /**
   * Joins whole uploads of the caller, in progress, into a new upload, completed (its
   * checksum, assembly and `upload:completed`) before this returns; the parts are then
   * aborted. A storage with `join` puts the parts' bytes in place itself; with any
   * other, they are read back and written once through the process (a storage with
   * `seal` joins each part first, so it can be read).
   *
   * @throws {FragoError} `INVALID_REQUEST` (no parts, a part named twice),
   * `UPLOAD_INCOMPLETE` (a part not whole or not in progress), `UPLOAD_BUSY` (a part
   * another request is joining or finalizing), a part's status error (404 for another
   * identity's), and what creating, writing and finalizing throw.
   */
  concatenate(identity: Identity, command: ConcatenateUploads): Promise<FinalizeResult> {
    const access = {
      storage: this.options.storage,
      seal: (upload: UploadRecord) => this.seal(upload),
      record: (uploadId: string, range: ByteRange, written: WrittenChunk, checksum: string | null) =>
        this.recordJoined(uploadId, range, written, checksum),
      hashers: this.options.checksum.mode === 'off' ? null : this.options.checksum.hashers,
      combined: (upload: UploadRecord, algorithm: ChecksumAlgorithm) => this.checksums.digest(upload, algorithm),
      saveHash: async (uploadId: string, progress: HashProgress) => {
        await this.repo(() => this.options.repository.saveHashProgress(uploadId, 0, progress));
      },
      hold: async (upload: UploadRecord) => {
        const leaseUntil = new Date(this.options.now().getTime() + this.options.assemblyLeaseMs);
        return (await this.repo(() => this.lifecycle.beginAssembly(upload.id, leaseUntil))) !== null;
      },
      release: async (upload: UploadRecord) => {
        await this.repo(() => this.lifecycle.reopen(upload.id));
      },
      retire: async (upload: UploadRecord) => {
        await this.discard(upload, await this.repo(() => this.lifecycle.abortHeld(upload.id)));
      },
    };
    return concatenateUploads(this, access, identity, command);
  }

  /**
   * Aborts an upload in progress: its bytes and chunks are deleted at once, and its
   * record stays as a tombstone (status `aborted`) until it expires, so that every later
   * request on it, a chunk racing the abort included, learns it was aborted.
   *
   * @throws {FragoError} `UPLOAD_NOT_FOUND`, or a status error for an upload that is
   * assembling, complete, expired or already aborted.
   */
  async abort(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const upload = await this.liveUpload(identity, uploadId);
    return this.discard(upload, await this.repo(() => this.lifecycle.abort(uploadId)));
  }

  /**
   * After the move to `aborted` (null when another request moved `upload` first):
   * `upload:aborted`, then its chunks' records and its bytes deleted, once.
   *
   * @throws {FragoError} the status error of an upload moved meanwhile.
   */
  private async discard(upload: UploadRecord, aborted: UploadRecord | null): Promise<UploadRecord> {
    const { repository, storage } = this.options;
    if (aborted === null) throw movedMeanwhile(await this.repo(() => repository.get(upload.id)));
    this.events.emit('upload:aborted', { upload: aborted });
    await this.repo(() => repository.deleteChunks(upload.id));
    await this.store(() => storage.delete(upload.storageKey));
    return aborted;
  }

  /**
   * Deletes the bytes and records of every upload the sweeper is due to remove (see
   * `isDueForSweep`): uploads past their expiry, aborted uploads' tombstones once they
   * expire, and any left expired; never a completed file. Safe to run from several
   * processes at once: each upload expires once (one `upload:expired` event), and
   * deleting it twice is harmless. Returns how many uploads this call deleted; sweepers
   * racing may each count the same upload.
   */
  async sweepExpired(options: { batchSize?: number } = {}): Promise<number> {
    const { repository, storage } = this.options;
    const batchSize = options.batchSize ?? 100;
    let removed = 0;
    for (;;) {
      const due = await this.repo(() => repository.findExpired(this.options.now(), batchSize));
      for (const upload of due) {
        if (upload.status === 'in_progress') {
          // Expiring it deletes its bytes.
          if ((await this.expire(upload)) === null) continue;
        } else {
          // Its bytes went when it was aborted or expired; deleted again in case that process died first.
          await this.store(() => storage.delete(upload.storageKey));
        }
        await this.repo(() => repository.delete(upload.id));
        removed += 1;
      }
      if (due.length < batchSize) return removed;
    }
  }

  /**
   * An upload finalize may hold: one in progress and not past its expiry, or one
   * assembling whose finalizer's lease ran out (it died), to be taken over.
   */
  private async finalizable(found: UploadRecord): Promise<{ upload: UploadRecord; takeover: boolean }> {
    const takeover = found.status === 'assembling' && found.leaseUntil !== null && found.leaseUntil < this.options.now();
    const upload = takeover ? found : await this.expireIfDue(found);
    if (upload.status !== 'in_progress' && !takeover) throw statusError(upload);
    return { upload, takeover };
  }

  /**
   * Step one of finalize: the upload moved to `assembling` for this caller, once it is
   * whole and the `beforeFinalize` hook agreed. Returns the upload complete instead when
   * another call completed it meanwhile.
   */
  private async hold(identity: Identity, upload: UploadRecord, takeover: boolean): Promise<UploadRecord> {
    declaredSize(upload);
    if (!takeover && this.options.storage.direct !== undefined) await this.checkDirectParts(upload);
    const { missing } = await this.state(upload);
    if (missing.length > 0) {
      throw new FragoError('UPLOAD_INCOMPLETE', 'Not all chunks uploaded', {
        details: { missing: missing.map(({ start, end }) => ({ start, end })) },
      });
    }
    await this.options.hooks.beforeFinalize?.(upload, identity);
    const now = this.options.now();
    const leaseUntil = new Date(now.getTime() + this.options.assemblyLeaseMs);
    const held = await this.repo(() =>
      takeover ? this.lifecycle.takeOverAssembly(upload.id, now, leaseUntil) : this.lifecycle.beginAssembly(upload.id, leaseUntil),
    );
    return held ?? this.completedMeanwhile(upload.id, movedMeanwhile);
  }

  /**
   * Step two of finalize: the whole-file checksum of a held upload, checked against
   * `expected`; null when checksums are off, and for a direct upload with no checksum
   * to check. A mismatch gives the upload back.
   */
  private async verify(upload: UploadRecord, algorithm: ChecksumAlgorithm, expected: string | null, computed: string | null): Promise<string | null> {
    await this.seal(upload);
    if (this.options.checksum.mode === 'off') return null;
    // A finalizer that died after assembling left the digest it verified: the bytes it
    // hashed may be gone from the storage now.
    const earlier = upload.checksum !== null && upload.checksumAlgorithm === algorithm ? upload.checksum : null;
    // A direct upload's bytes never passed through the server: its digest would be read
    // back from the store, every byte, so it is taken only to check one the client gave.
    if (upload.direct === true && expected === null && earlier === null && computed === null) return null;
    const checksum = earlier ?? computed ?? (await this.wholeFileDigest(upload, algorithm));
    if (expected !== null && !digestsEqual(checksum, expected)) {
      const reopened = (await this.lifecycle.reopen(upload.id).catch(() => null)) ?? upload;
      this.events.emit('checksum:failed', { upload: reopened, algorithm, expected, actual: checksum });
      throw new FragoError('CHECKSUM_MISMATCH', 'Checksum mismatch', { details: { expected, actual: checksum, algorithm } });
    }
    if (earlier === null && algorithm !== upload.hash.algorithm) {
      // Only the saved progress of the upload's own algorithm survives assembling; a
      // digest of another one is kept with the upload before its bytes move.
      await this.repo(() => this.lifecycle.recordChecksum(upload.id, checksum, algorithm));
    }
    return checksum;
  }

  /** The digest of the upload's stored bytes, once the background hashing has settled. */
  private async wholeFileDigest(upload: UploadRecord, algorithm: ChecksumAlgorithm): Promise<string> {
    const waited = await this.checksums.settled(upload.id);
    const latest = waited ? ((await this.repo(() => this.options.repository.get(upload.id))) ?? upload) : upload;
    return this.store(() => this.checksums.digest(latest, algorithm));
  }

  /** Step three of finalize: the file made from the upload's bytes, where the `assembleTarget` hook wants it. */
  private async assemble(upload: UploadRecord): Promise<string> {
    const target = await this.options.hooks.assembleTarget?.(upload);
    const { location } = await this.store(() =>
      this.options.storage.assemble(upload.storageKey, {
        uploadId: upload.id,
        filename: safeFilename(target?.filename ?? upload.filename),
        totalSize: declaredSize(upload),
        directory: target?.directory ? safeDirectory(target.directory) : undefined,
      }),
    );
    return location;
  }

  /** Step four of finalize: the upload recorded complete, and the event for it. */
  private async recordComplete(
    upload: UploadRecord,
    result: { readonly checksum: string | null; readonly algorithm: ChecksumAlgorithm; readonly location: string },
  ): Promise<FinalizeResult> {
    const completed = await this.repo(() => this.lifecycle.complete(upload.id, { ...result, at: this.options.now() }));
    if (completed === null) {
      const busy = () => new FragoError('UPLOAD_BUSY', 'Another request is finalizing this upload');
      return finalized(await this.completedMeanwhile(upload.id, busy), false);
    }
    this.events.emit('upload:completed', { upload: completed, location: result.location, checksum: result.checksum ?? '' });
    return finalized(completed, true, result.algorithm);
  }

  /**
   * The upload as another request completed it, after a move of this one lost;
   * otherwise throws what `otherwise` makes of the upload as it is now. One read, so an
   * upload completed between two reads is never reported as anything else.
   */
  private async completedMeanwhile(uploadId: string, otherwise: (current: UploadRecord | null) => FragoError): Promise<UploadRecord> {
    const current = await this.repo(() => this.options.repository.get(uploadId));
    if (current?.status === 'complete') return current;
    throw otherwise(current);
  }

  /**
   * What a chunk that failed after its claim answers. When its upload was aborted or
   * expired meanwhile, that is the answer, whatever the storage said, and anything the
   * chunk wrote after the upload's bytes were deleted is deleted too. Otherwise the
   * chunk's own failure stands.
   */
  private async chunkFailure(upload: UploadRecord, failure: unknown): Promise<unknown> {
    const current = await this.options.repository.get(upload.id).catch(() => undefined);
    // The records are out of reach: the chunk's own failure is all there is to say.
    if (current === undefined) return failure;
    const overdue = current?.status === 'in_progress' && isPastExpiry(current, this.options.now());
    if (current?.status === 'in_progress' && !overdue) return failure;
    if (current?.status === 'assembling' || current?.status === 'complete') return statusError(current);
    if (overdue) await this.expire(current).catch(() => null);
    await this.options.storage.delete(upload.storageKey).catch(() => undefined);
    // Gone altogether: the sweeper removed it, which it does only past its expiry.
    if (current === null) return isPastExpiry(upload, this.options.now()) ? expiredError() : notFoundError();
    return overdue ? expiredError() : statusError(current);
  }

  /** `algorithm`, when this server accepts it. @throws {FragoError} `UNSUPPORTED_CHECKSUM`. */
  private allowedAlgorithm(algorithm: ChecksumAlgorithm): ChecksumAlgorithm {
    const { allowed } = this.options.checksum;
    if (allowed.includes(algorithm)) return algorithm;
    throw new FragoError('UNSUPPORTED_CHECKSUM', `This server does not verify ${algorithm}; it verifies ${allowed.join(', ')}`, {
      details: { allowed },
    });
  }

  /** Records a range a storage filled by `join` as a stored chunk of the (new, chunkless) upload, with its own value when known. */
  private async recordJoined(uploadId: string, range: ByteRange, written: WrittenChunk, checksum: string | null): Promise<void> {
    const { repository } = this.options;
    const claimId = this.options.generateId();
    const now = this.options.now();
    const leaseUntil = new Date(now.getTime() + this.options.claimLeaseMs);
    const claim = await this.repo(() => repository.claimRange(uploadId, range, { claimId, digest: null, leaseUntil, now }));
    const stored = claim.kind === 'claimed' && (await this.repo(() => repository.storeClaim(uploadId, claimId, written.storageData, checksum)));
    if (!stored) throw new FragoError('UPLOAD_BUSY', 'The joined upload changed while its parts were put in place');
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

  /** The digest to verify against: the one given now, else the one announced at start. */
  private expectedChecksum(upload: UploadRecord, given: string | null): string | null {
    if (given !== null) return given;
    if (upload.expectedChecksum === null && this.options.checksum.mode === 'required') {
      throw new FragoError('INVALID_REQUEST', 'A checksum is required to finalize an upload');
    }
    return upload.expectedChecksum;
  }

  private async state(upload: UploadRecord, learned: LearnedParts | null = null): Promise<UploadState> {
    const chunks = await this.repo(() => this.options.repository.chunks(upload.id));
    const received = IntervalSet.from(chunks.filter((chunk) => chunk.state === 'stored'));
    // While the size is deferred, only the gaps before the last byte received are known to be missing.
    const size = upload.totalSize ?? (received.ranges.at(-1)?.end ?? -1) + 1;
    const missing = upload.status === 'complete' ? [] : received.missing(size);
    const now = this.options.now();
    const inFlight = chunks.filter((chunk) => isLiveClaim(chunk, now));
    const layout = learned === null ? null : this.directLayout(upload.totalSize);
    const direct = layout === null || learned === null ? {} : { direct: { ...layout, wrongSize: learned.wrongSize } };
    return { upload, chunks, received, missing, inFlight, ...direct };
  }

  /** The storage's direct uploads. @throws {FragoError} `INVALID_REQUEST` when it takes none. */
  private directStorage(): DirectUploads {
    const { direct } = this.options.storage;
    if (direct === undefined) throw new FragoError('INVALID_REQUEST', 'This server takes no direct uploads');
    return direct;
  }

  /** Records the parts the store holds for a direct upload in progress; null for an upload that is not direct. */
  private async learn(upload: UploadRecord, known: readonly ChunkRecord[]): Promise<LearnedParts | null> {
    const direct = this.directStorage();
    return this.store(() =>
      learnParts(direct, this.options.repository, upload, known, {
        newId: this.options.generateId,
        now: this.options.now(),
        leaseMs: this.options.claimLeaseMs,
      }),
    );
  }

  /**
   * Before a direct upload is held for finalize: every part the store holds recorded,
   * and none replaced since (the multipart upload would be completed with the bytes
   * recorded, which the store no longer has).
   *
   * @throws {FragoError} `RANGE_CONFLICT` naming the replaced parts.
   */
  private async checkDirectParts(upload: UploadRecord): Promise<void> {
    const learned = await this.learn(upload, await this.repo(() => this.options.repository.chunks(upload.id)));
    if (learned === null || learned.replaced.length === 0) return;
    throw new FragoError('RANGE_CONFLICT', 'Parts were sent again with other bytes after they were recorded; send the original bytes again', {
      details: { parts: learned.replaced },
    });
  }

  /** The upload if the caller may see it; foreign and unknown uploads look the same. */
  private async visibleUpload(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const upload = await this.repo(() => this.options.repository.get(uploadId));
    if (upload === null) throw notFoundError();
    assertOwner(identity, upload);
    return upload;
  }

  /** The caller's upload, which must be `in_progress` and not past its expiry. */
  private async liveUpload(identity: Identity, uploadId: string): Promise<UploadRecord> {
    const upload = await this.expireIfDue(await this.visibleUpload(identity, uploadId));
    if (upload.status !== 'in_progress') throw statusError(upload);
    return upload;
  }

  /** Expires an upload in progress that is past its expiry (whoever sees it first), then throws; returns any other upload unchanged. */
  private async expireIfDue(upload: UploadRecord): Promise<UploadRecord> {
    if (upload.status !== 'in_progress' || !isPastExpiry(upload, this.options.now())) return upload;
    await this.expire(upload);
    throw expiredError();
  }

  /**
   * Expires an upload in progress and deletes its bytes; null (and nothing done) when
   * another request moved it first.
   */
  private async expire(upload: UploadRecord): Promise<UploadRecord | null> {
    const expired = await this.repo(() => this.lifecycle.expire(upload.id));
    if (expired === null) return null;
    this.events.emit('upload:expired', { upload: expired });
    await this.store(() => this.options.storage.delete(upload.storageKey));
    return expired;
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

/** The outcome of finalize: `won` when this call completed the upload, not an earlier one. */
/**
 * The error for a move that lost to another request: what the upload became meanwhile.
 * Back `in_progress`, another finalizer held it and gave it back: worth a retry.
 */
function movedMeanwhile(current: UploadRecord | null): FragoError {
  if (current === null) return notFoundError();
  return current.status === 'in_progress' ? new FragoError('UPLOAD_BUSY', 'Another request was finalizing this upload; retry') : statusError(current);
}

/** The error for a chunk over the server's largest chunk, `limit`. */
function chunkTooLarge(limit: number): FragoError {
  return new FragoError('CHUNK_TOO_LARGE', `A chunk may carry at most ${limit} bytes`, { details: { maxChunkSize: limit } });
}

/** The error for an upload over the server's largest size, `limit`. */
function tooLarge(limit: number): FragoError {
  return new FragoError('UPLOAD_TOO_LARGE', `The file is over the limit of ${limit} bytes`, { details: { maxUploadSize: limit } });
}

function finalized(upload: UploadRecord, won: boolean, algorithm: ChecksumAlgorithm = upload.checksumAlgorithm): FinalizeResult {
  return { upload, alreadyComplete: !won, algorithm };
}
