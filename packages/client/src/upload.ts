import mitt from 'mitt';
import { checksumAlgorithm, type ChecksumAlgorithm } from './checksum.js';
import type { FragoClient } from './client.js';
import { cancelledError, FragoClientError, isFragoClientError } from './errors.js';
import { DEFAULTS, type UploadOptions } from './options.js';
import { PartUrls } from './part-urls.js';
import { PartsAhead } from './parts-ahead.js';
import { planChunks, wholeFile } from './plan.js';
import { withRetries, type RetryInfo } from './retry.js';
import { anySignal } from './signals.js';
import type { UploadSource } from './source.js';
import { SpeedMeter } from './speed.js';
import { metadataHeader, oneRequestAlgorithm, oneRequestHeaders } from './one-request.js';
import { fingerprint } from './store.js';
import type { ChunkAnswer, FinalizeAnswer, PartsAnswer, StatusAnswer, WireRange } from './wire.js';

/** Where an upload is in its life. */
export type UploadPhase = 'starting' | 'uploading' | 'paused' | 'finalizing' | 'complete' | 'failed' | 'cancelled';

/** One chunk of this run and how it is doing. */
export interface ChunkProgress {
  readonly start: number;
  readonly end: number;
  readonly state: 'pending' | 'sending' | 'retrying' | 'done';
  /** Tries so far, failed ones included. */
  readonly attempts: number;
}

/** A snapshot of an upload's progress. */
export interface UploadProgress {
  readonly uploadId: string | null;
  readonly phase: UploadPhase;
  readonly totalBytes: number;
  /** Bytes the server confirmed holding (chunks of earlier runs included). */
  readonly confirmedBytes: number;
  /** Over the last seconds. */
  readonly bytesPerSecond: number;
  /** At the current speed; null while it is unknown. */
  readonly secondsLeft: number | null;
  /** Bytes the checksum has covered. */
  readonly hashedBytes: number;
  /** Chunks of this run by state. */
  readonly chunks: { readonly total: number; readonly pending: number; readonly sending: number; readonly done: number };
}

/** How an upload began: fresh, or resuming bytes the server already had. */
export interface UploadSession {
  readonly uploadId: string;
  readonly resumed: boolean;
  /** Bytes already on the server when this run began. */
  readonly receivedBytes: number;
  readonly chunkSize: number;
  readonly checksumAlgorithm: ChecksumAlgorithm | null;
  /** True when the chunks go straight to the store as its parts (`chunkSize` is the part size). */
  readonly direct: boolean;
  /** True when each part sent straight to the store is bound to its MD5 (see `partChecksums`). */
  readonly partChecksums: boolean;
}

/** A finished upload. */
export interface UploadResult {
  readonly uploadId: string;
  readonly filename: string;
  readonly totalSize: number;
  /** The server's checksum of the assembled file. */
  readonly checksum: string;
  readonly checksumAlgorithm: string;
  /** True when the client computed the file's checksum and the server's matched it. */
  readonly verified: boolean;
  readonly completedAt: string | null;
  /** True when an earlier run had completed it already. */
  readonly alreadyComplete: boolean;
  readonly resumed: boolean;
  /** Bytes already on the server when this run began. */
  readonly resumedBytes: number;
  /** Bytes this run sent and the server confirmed. */
  readonly sentBytes: number;
  readonly elapsedMs: number;
}

/** Every event an {@link Upload} emits. */
export type UploadEvents = {
  phase: UploadPhase;
  session: UploadSession;
  progress: UploadProgress;
  chunk: ChunkProgress;
  retry: RetryInfo & { readonly range: WireRange | null };
};

interface Session extends UploadSession {
  readonly missing: readonly WireRange[];
  readonly complete: StatusAnswer | null;
}

type MutableChunk = { -readonly [K in keyof ChunkProgress]: ChunkProgress[K] };

const FINALIZE_ROUNDS = 3;
/** Part URLs bound to their MD5s asked for in one request of a direct upload, at least (more with more parts in parallel): the parts hashed ahead. */
const URL_BATCH = 32;
/** Unbound part URLs asked for in one request: the most the server signs at once. */
const UNBOUND_URL_BATCH = 100;

/**
 * One file being uploaded; made by {@link FragoClient.upload}. It starts at once and
 * settles `done`. `pause()` stops sending (chunks in flight are dropped and sent again
 * later), `resume()` goes on, `cancel()` stops and deletes the upload on the server.
 */
export class Upload {
  /** The result, or a {@link FragoClientError} saying what went wrong. */
  readonly done: Promise<UploadResult>;
  private readonly emitter = mitt<UploadEvents>();
  private readonly stop = new AbortController();
  private readonly stopLink: { signal: AbortSignal; release: () => void };
  private pauseController = new AbortController();
  private pauseWaiters: Array<() => void> = [];
  private failure: unknown = undefined;
  private cancelled = false;
  private currentPhase: UploadPhase = 'starting';
  private id: string | null = null;
  private chunkList: MutableChunk[] = [];
  private queue: MutableChunk[] = [];
  private confirmed = 0;
  private hashed = 0;
  private readonly speed = new SpeedMeter();
  /** The part URLs of a direct upload; null when the chunks go through the server. */
  private parts: PartUrls | null = null;
  /** The parts of this round hashed ahead of their turn, with part checksums; null otherwise. */
  private ahead: PartsAhead<MutableChunk> | null = null;
  private partSize = 0;
  private partChecksums = false;
  private readonly fingerprint: string;

  /** @internal Use {@link FragoClient.upload}. */
  constructor(
    private readonly client: FragoClient,
    readonly source: UploadSource,
    private readonly options: UploadOptions,
  ) {
    this.fingerprint = fingerprint(client.endpoint, source);
    this.stopLink = anySignal([this.stop.signal, options.signal]);
    this.done = Promise.resolve().then(() => this.run());
    // Listeners of events alone must not see an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Listens to an event; returns a function that stops listening. */
  on<K extends keyof UploadEvents>(type: K, handler: (event: UploadEvents[K]) => void): () => void {
    this.emitter.on(type, handler);
    return () => this.emitter.off(type, handler);
  }

  /** The server's id, once the upload started or was found. */
  get uploadId(): string | null {
    return this.id;
  }

  get phase(): UploadPhase {
    return this.currentPhase;
  }

  /** The chunks of this run and their states. */
  get chunks(): readonly ChunkProgress[] {
    return this.chunkList.map((chunk) => ({ ...chunk }));
  }

  get progress(): UploadProgress {
    const count = (state: ChunkProgress['state']) => this.chunkList.filter((chunk) => chunk.state === state).length;
    const bytesPerSecond = this.speed.bytesPerSecond();
    const left = this.source.size - this.confirmed;
    return {
      uploadId: this.id,
      phase: this.currentPhase,
      totalBytes: this.source.size,
      confirmedBytes: this.confirmed,
      bytesPerSecond,
      secondsLeft: left === 0 ? 0 : bytesPerSecond > 0 ? left / bytesPerSecond : null,
      hashedBytes: this.hashed,
      chunks: {
        total: this.chunkList.length,
        pending: count('pending'),
        sending: count('sending') + count('retrying'),
        done: count('done'),
      },
    };
  }

  /** Stops sending; chunks in flight are dropped and sent again on {@link Upload.resume}. */
  pause(): void {
    if (this.currentPhase !== 'uploading' && this.currentPhase !== 'starting') return;
    this.pauseController.abort();
    this.setPhase('paused');
  }

  /** Goes on after {@link Upload.pause}. */
  resume(): void {
    if (this.currentPhase !== 'paused') return;
    this.pauseController = new AbortController();
    this.speed.reset(this.confirmed);
    this.setPhase(this.id === null ? 'starting' : 'uploading');
    const waiters = this.pauseWaiters;
    this.pauseWaiters = [];
    waiters.forEach((wake) => wake());
  }

  /**
   * Stops the upload, deletes it on the server and forgets it; `done` rejects with
   * `CANCELLED`. Resolves once the server was told (failures to tell it are ignored:
   * the server expires the upload anyway).
   */
  async cancel(): Promise<void> {
    if (this.currentPhase === 'complete' || this.currentPhase === 'failed' || this.currentPhase === 'cancelled') return;
    this.cancelled = true;
    this.stop.abort(new FragoClientError('CANCELLED', 'The upload was cancelled'));
    this.wakeAll();
    await this.done.catch(() => undefined);
    if (this.id !== null) await this.client.abort(this.id).catch(() => undefined);
    await this.client.store.delete(this.fingerprint);
  }

  private get signal(): AbortSignal {
    return this.stopLink.signal;
  }

  private setPhase(phase: UploadPhase): void {
    if (this.currentPhase === phase) return;
    this.currentPhase = phase;
    this.emitter.emit('phase', phase);
    this.emitProgress();
  }

  private emitProgress(): void {
    this.emitter.emit('progress', this.progress);
  }

  private wakeAll(): void {
    const waiters = this.pauseWaiters;
    this.pauseWaiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Waits while paused; throws once the upload is stopped. */
  private async gate(): Promise<void> {
    while (this.currentPhase === 'paused' && !this.signal.aborted) {
      await new Promise<void>((wake) => this.pauseWaiters.push(wake));
    }
    if (this.signal.aborted) throw this.failure ?? cancelledError(this.signal);
  }

  /** Stops everything on the first failure; the run rethrows it. */
  private fail(error: unknown): void {
    if (this.failure === undefined) this.failure = error;
    this.stop.abort(error);
    this.wakeAll();
  }

  private onRetry(range: WireRange | null) {
    return (info: RetryInfo) => this.emitter.emit('retry', { ...info, range });
  }

  private async run(): Promise<UploadResult> {
    const began = Date.now();
    this.emitProgress();
    this.signal.addEventListener('abort', () => this.wakeAll(), { once: true });
    try {
      await this.gate();
      const whole = await this.oneRequest(began);
      if (whole !== null) return whole;
      const session = await this.openSession();
      if (session.direct) this.goDirect(session);
      this.emitter.emit('session', session);
      const hash = this.hash(session.checksumAlgorithm);
      if (session.complete) return await this.completed(session, session.complete, await hash, began);
      let missing = session.missing;
      for (let round = 1; ; round += 1) {
        this.confirmed = this.source.size - missing.reduce((sum, gap) => sum + gap.end - gap.start + 1, 0);
        this.speed.reset(this.confirmed);
        await this.sendAll(planChunks(missing, session.chunkSize));
        this.setPhase('finalizing');
        const checksum = await hash;
        try {
          const answer = await this.client.finalize(
            session.uploadId,
            checksum === null ? {} : { checksum, checksumAlgorithm: session.checksumAlgorithm ?? undefined },
            { signal: this.signal, onRetry: this.onRetry(null) },
          );
          await this.client.store.delete(this.fingerprint);
          return this.finished(session, began, answer, checksum !== null, this.confirmed - session.receivedBytes);
        } catch (error) {
          const stillMissing = isFragoClientError(error) && error.serverCode === 'UPLOAD_INCOMPLETE' ? error.details.missing : undefined;
          if (!Array.isArray(stillMissing) || round >= FINALIZE_ROUNDS) throw error;
          // The server lost or never recorded some bytes: send them again.
          missing = stillMissing as WireRange[];
          this.setPhase('uploading');
        }
      }
    } catch (error) {
      throw await this.settleFailure(error);
    } finally {
      this.stopLink.release();
    }
  }

  private async settleFailure(error: unknown): Promise<unknown> {
    const reason = this.failure ?? error;
    const final = this.signal.aborted && this.failure === undefined ? cancelledError(this.signal) : reason;
    if (isFragoClientError(final) && ['NOT_FOUND', 'EXPIRED', 'CHECKSUM_MISMATCH'].includes(final.code)) {
      // Resuming would meet the same end: the next run starts afresh.
      await this.client.store.delete(this.fingerprint);
    }
    this.setPhase(this.cancelled || isFragoClientError(final, 'CANCELLED') ? 'cancelled' : 'failed');
    return final;
  }

  private async openSession(): Promise<Session> {
    const { client, source, options } = this;
    const call = { signal: this.signal, onRetry: this.onRetry(null) };
    const wanted = options.checksum ?? client.options.checksum;
    const stored = options.uploadId === undefined && options.resume !== false ? await client.store.get(this.fingerprint) : undefined;
    const existing = options.uploadId ?? stored?.uploadId;
    if (existing !== undefined) {
      try {
        const status = await client.status(existing, call);
        if (status.total_size !== source.size) {
          throw new FragoClientError('INVALID_ARGUMENT', `Upload ${existing} is for ${status.total_size} bytes, the file has ${source.size}`);
        }
        this.id = existing;
        const direct = this.wantsDirect() && (status.direct !== undefined || stored?.direct === true);
        const partSize = status.direct?.part_size ?? stored?.chunkSize;
        return {
          uploadId: existing,
          resumed: true,
          receivedBytes: status.received_bytes,
          direct: direct && partSize !== undefined,
          partChecksums: direct && partSize !== undefined && this.wantsPartChecksums(),
          chunkSize: (direct ? partSize : undefined) ?? options.chunkSize ?? stored?.chunkSize ?? client.options.chunkSize ?? DEFAULTS.chunkSize,
          checksumAlgorithm: wanted === false ? null : checksumAlgorithm(status.checksum_algo),
          missing: status.missing,
          complete: status.status === 'complete' ? status : null,
        };
      } catch (error) {
        const gone = isFragoClientError(error) && (error.code === 'NOT_FOUND' || error.code === 'EXPIRED');
        if (options.uploadId !== undefined || !gone) throw error;
        await client.store.delete(this.fingerprint);
      }
    }
    const answer = await client.start(
      {
        filename: source.name,
        totalSize: source.size,
        checksumAlgorithm: wanted === false ? undefined : wanted,
        metadata: options.metadata,
        direct: this.wantsDirect(),
      },
      call,
    );
    this.id = answer.upload_id;
    // A direct upload's chunks are the store's parts: their size is not the client's to choose.
    const direct = answer.direct ?? null;
    const chunkSize = direct?.part_size ?? Math.min(options.chunkSize ?? client.options.chunkSize ?? answer.chunk_size, answer.max_chunk_size);
    if (options.resume !== false) {
      await client.store.set(this.fingerprint, { uploadId: answer.upload_id, chunkSize, savedAt: Date.now(), ...(direct ? { direct: true } : {}) });
    }
    return {
      uploadId: answer.upload_id,
      resumed: false,
      receivedBytes: 0,
      direct: direct !== null,
      partChecksums: direct !== null && this.wantsPartChecksums(),
      chunkSize,
      checksumAlgorithm: wanted === false ? null : checksumAlgorithm(answer.checksum_algo),
      missing: wholeFile(source.size),
      complete: null,
    };
  }

  /**
   * A file smaller than one chunk and new to the server goes in one request (the
   * resumable-upload draft's creation with `Upload-Complete: ?1`, its metadata in
   * `Frago-Metadata`): hashed first, so that its checksum travels in `Repr-Digest` and
   * the server verifies it before answering. Null when the file does not qualify (its
   * metadata too large for a header, among others), or the server refuses the
   * checksum the client picked for it: the upload then takes the usual three steps.
   * A pause does not stop the one request.
   */
  private async oneRequest(began: number): Promise<UploadResult | null> {
    const { client, source, options } = this;
    const chunkSize = options.chunkSize ?? client.options.chunkSize ?? DEFAULTS.chunkSize;
    const chosen = options.checksum ?? client.options.checksum;
    const algorithm = oneRequestAlgorithm(chosen);
    const metadata = options.metadata === undefined ? undefined : metadataHeader(options.metadata);
    if (source.size >= chunkSize || algorithm === undefined || options.uploadId !== undefined || (options.metadata !== undefined && metadata === undefined)) return null;
    if (options.resume !== false && (await client.store.get(this.fingerprint)) !== undefined) return null;
    const checksum = algorithm === false ? null : await this.hash(algorithm);
    const digest = algorithm === false || checksum === null ? null : { algorithm, hex: checksum };
    const chunk: MutableChunk = { start: 0, end: source.size - 1, state: 'pending', attempts: 0 };
    this.chunkList = [chunk];
    this.setPhase('uploading');
    let answer: FinalizeAnswer;
    try {
      const sent = await withRetries(
        () => {
          chunk.attempts += 1;
          this.chunkChanged(chunk, 'sending');
          return client.http.send<FinalizeAnswer>({
            method: 'POST',
            body: source.size === 0 ? new Uint8Array(0) : source.slice(0, source.size - 1),
            headers: oneRequestHeaders(source.name, source.size, digest, metadata),
            signal: this.signal,
          });
        },
        client.policy,
        this.signal,
        (info) => {
          this.chunkChanged(chunk, 'retrying');
          this.onRetry(null)(info);
        },
      );
      answer = sent.body;
    } catch (error) {
      // The server keeps to other algorithms than the md5 picked for it: let it choose.
      if (chosen === undefined && isFragoClientError(error) && error.serverCode === 'UNSUPPORTED_CHECKSUM') return null;
      throw error;
    }
    this.id = answer.upload_id;
    if (checksum !== null && answer.checksum.toLowerCase() !== checksum.toLowerCase()) {
      throw new FragoClientError('CHECKSUM_MISMATCH', 'The server holds other bytes than this file', {
        serverCode: 'CHECKSUM_MISMATCH',
        details: { expected: checksum, actual: answer.checksum },
      });
    }
    const session: Session = {
      uploadId: answer.upload_id,
      resumed: false,
      receivedBytes: 0,
      chunkSize,
      checksumAlgorithm: algorithm === false ? null : algorithm,
      missing: [],
      complete: null,
      direct: false,
      partChecksums: false,
    };
    this.emitter.emit('session', session);
    this.confirmed = source.size;
    this.speed.record(this.confirmed);
    this.chunkChanged(chunk, 'done');
    return this.finished(session, began, answer, checksum !== null, source.size);
  }

  /** The result of the server's completed-upload answer (finalize's, or a one-request upload's). */
  private finished(session: Session, began: number, answer: FinalizeAnswer, verified: boolean, sentBytes: number): UploadResult {
    this.setPhase('complete');
    return this.result(session, began, {
      totalSize: answer.total_size,
      checksum: answer.checksum,
      checksumAlgorithm: answer.checksum_algo,
      verified,
      completedAt: answer.completed_at,
      alreadyComplete: answer.already_complete,
      sentBytes,
    });
  }

  private wantsDirect(): boolean {
    return this.options.direct ?? this.client.options.direct ?? true;
  }

  private wantsPartChecksums(): boolean {
    return this.options.partChecksums ?? this.client.options.partChecksums ?? false;
  }

  /**
   * Sends the chunks of `session` straight to the store. A request signs up to a batch
   * of part URLs: unbound ones for the parts coming up, or, with part checksums, bound
   * ones for the parts hashed ahead of their turn (see {@link PartsAhead}).
   */
  private goDirect(session: Session): void {
    this.partSize = session.chunkSize;
    this.partChecksums = session.partChecksums;
    this.parts = new PartUrls(
      async (parts, signal) =>
        (await this.client.http.send<PartsAnswer>({ method: 'POST', uploadId: session.uploadId, below: 'parts', json: { parts }, signal })).body.parts,
      this.urlBatch(),
      this.signal,
      () => (this.partChecksums ? (this.ahead?.hashed() ?? []) : this.queue.map((chunk) => this.partOf(chunk.start))),
    );
  }

  private get parallel(): number {
    return this.options.parallel ?? this.client.options.parallel ?? DEFAULTS.parallel;
  }

  /**
   * Part URLs asked for in one request. A signing request costs the server about what 20
   * URLs in it do: ask for many at once. URLs that expire unused (a slow link) are signed
   * again when their part comes up. Bound URLs wait for their parts' MD5s, so their
   * batch is the window of parts hashed ahead.
   */
  private urlBatch(): number {
    return this.partChecksums ? Math.max(this.parallel * 2, URL_BATCH) : UNBOUND_URL_BATCH;
  }

  private partOf(start: number): number {
    return Math.floor(start / this.partSize) + 1;
  }

  /** Starts the checksum alongside the sending; a failure to read stops the upload at once. */
  private hash(algorithm: ChecksumAlgorithm | null): Promise<string | null> {
    if (algorithm === null) return Promise.resolve(null);
    const hashing = this.client.hasher(this.source, algorithm, {
      signal: this.signal,
      onProgress: (hashed) => {
        this.hashed = hashed;
        this.emitProgress();
      },
    });
    hashing.catch((error: unknown) => this.fail(error));
    return hashing;
  }

  /** An earlier run completed the upload: check its checksum against the file's. */
  private async completed(session: Session, status: StatusAnswer, checksum: string | null, began: number): Promise<UploadResult> {
    const matches = checksum === null || status.checksum === null || checksum.toLowerCase() === status.checksum.toLowerCase();
    if (!matches) {
      throw new FragoClientError('CHECKSUM_MISMATCH', 'The completed upload does not match this file', {
        serverCode: 'CHECKSUM_MISMATCH',
        details: { expected: checksum, actual: status.checksum },
      });
    }
    this.confirmed = this.source.size;
    await this.client.store.delete(this.fingerprint);
    this.setPhase('complete');
    return this.result(session, began, {
      totalSize: status.total_size ?? this.source.size,
      checksum: status.checksum ?? '',
      checksumAlgorithm: status.checksum_algo,
      verified: checksum !== null && status.checksum !== null,
      completedAt: status.completed_at,
      alreadyComplete: true,
      sentBytes: 0,
    });
  }

  private result(
    session: Session,
    began: number,
    outcome: Omit<UploadResult, 'uploadId' | 'filename' | 'resumed' | 'resumedBytes' | 'elapsedMs'>,
  ): UploadResult {
    return {
      uploadId: session.uploadId,
      filename: this.source.name,
      resumed: session.resumed,
      resumedBytes: session.receivedBytes,
      elapsedMs: Date.now() - began,
      ...outcome,
    };
  }

  /** Sends `ranges` with `parallel` workers; the first failure stops the others. */
  private async sendAll(ranges: readonly WireRange[]): Promise<void> {
    this.chunkList = ranges.map((range) => ({ start: range.start, end: range.end, state: 'pending', attempts: 0 }));
    this.queue = [...this.chunkList];
    if (this.currentPhase !== 'paused') this.setPhase('uploading');
    this.emitProgress();
    const parallel = this.parallel;
    const round = new AbortController();
    const { signal, release } = anySignal([this.signal, round.signal]);
    if (this.parts !== null && this.partChecksums) {
      // Hashed ahead as far as a batch of URLs, holding the bytes of `parallel` parts of those.
      this.ahead = new PartsAhead(this.source, () => this.queue, (chunk) => this.partOf(chunk.start), this.urlBatch(), parallel, () => this.gate(), signal);
    }
    const worker = async () => {
      try {
        for (;;) {
          await this.gate();
          const chunk = this.queue.shift();
          if (!chunk) return;
          await this.sendChunk(chunk);
        }
      } catch (error) {
        this.fail(error);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(parallel, ranges.length) }, worker));
    } finally {
      round.abort();
      release();
      this.ahead = null;
    }
    if (this.signal.aborted) throw this.failure ?? cancelledError(this.signal);
  }

  private chunkChanged(chunk: MutableChunk, state: ChunkProgress['state']): void {
    chunk.state = state;
    this.emitter.emit('chunk', { ...chunk });
  }

  private async sendChunk(chunk: MutableChunk): Promise<void> {
    const pause = this.pauseController;
    const { signal, release } = anySignal([this.signal, pause.signal]);
    const range = { start: chunk.start, end: chunk.end };
    const size = chunk.end - chunk.start + 1;
    try {
      await withRetries(
        () => {
          chunk.attempts += 1;
          this.chunkChanged(chunk, 'sending');
          return this.parts === null ? this.sendThrough(chunk, signal) : this.sendDirect(this.parts, chunk, signal);
        },
        this.client.policy,
        signal,
        (info) => {
          this.chunkChanged(chunk, 'retrying');
          this.onRetry(range)(info);
        },
      );
      this.confirmed += size;
      this.speed.record(this.confirmed);
      this.chunkChanged(chunk, 'done');
      this.emitProgress();
    } catch (error) {
      if (pause.signal.aborted && !this.signal.aborted) {
        // Dropped by pause: it goes first when the upload resumes.
        this.chunkChanged(chunk, 'pending');
        this.queue.unshift(chunk);
        return;
      }
      throw error;
    } finally {
      release();
    }
  }

  /** One try of a chunk through the server, which confirms the range it stored. */
  private async sendThrough(chunk: MutableChunk, signal: AbortSignal): Promise<void> {
    const answer = await this.client.http.send<ChunkAnswer>({
      method: 'PUT',
      uploadId: this.id ?? '',
      body: this.source.slice(chunk.start, chunk.end),
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${chunk.start}-${chunk.end}/${this.source.size}`,
        'content-length': String(chunk.end - chunk.start + 1),
      },
      signal,
    });
    if (answer.body.start !== chunk.start || answer.body.end !== chunk.end) {
      throw new FragoClientError('PROTOCOL', `The server confirmed ${answer.body.start}-${answer.body.end} for ${chunk.start}-${chunk.end}`);
    }
  }

  /**
   * One try of a chunk straight to the store, as the part it is. With part checksums, its
   * URL is bound to the MD5 of its bytes: the first try takes the part as it was hashed
   * ahead of its turn, a later one reads and hashes it afresh (so its URL is signed again
   * if the MD5 changed); bytes that change on the way are refused (400 `BadDigest`) and
   * sent again from the file. A URL the store refused (403: expired, or the clocks
   * disagree) is signed again on the next try; the server learns of the part from the
   * store when it is asked for the status or to finalize.
   */
  private async sendDirect(parts: PartUrls, chunk: MutableChunk, signal: AbortSignal): Promise<void> {
    const part = this.partOf(chunk.start);
    const { url, digested } = await this.partUrl(parts, part, chunk, signal);
    if (url.start !== chunk.start || url.end !== chunk.end) {
      throw new FragoClientError('PROTOCOL', `The server signed part ${part} as ${url.start}-${url.end}, not ${chunk.start}-${chunk.end}`);
    }
    // The store checks a Content-MD5 it is sent even where the server did not sign it.
    const headers = digested === null ? url.headers : { 'content-md5': digested.md5, ...url.headers };
    try {
      await this.client.http.put(url.url, headers, digested?.body ?? this.source.slice(chunk.start, chunk.end), signal);
    } catch (error) {
      if (isFragoClientError(error) && error.status === 403) parts.forget(part);
      throw error;
    }
  }

  /**
   * The URL for a try of `chunk`, and its bytes and MD5 with part checksums. A part
   * without a URL waits for the parts taken with it to be hashed and, once the first URLs
   * are signed, for the next `parallel` parts queued as well; then all of them go in one
   * request with the parts hashed ahead. The parts in flight keep sending meanwhile, and a
   * batch holds that many parts even where hashing is slower than sending. The first
   * request waits for no more than the parts it starts with: every PUT waits for it.
   */
  private async partUrl(parts: PartUrls, part: number, chunk: MutableChunk, signal: AbortSignal) {
    const ahead = this.ahead;
    if (ahead === null) return { url: await parts.get(part, null, signal), digested: null };
    try {
      const digested = await ahead.take(chunk, signal);
      if (!parts.has(part, digested.md5)) await ahead.settled(parts.started ? this.parallel : 0, signal);
      return { url: await parts.get(part, digested.md5, signal), digested };
    } finally {
      ahead.release(chunk);
    }
  }
}
