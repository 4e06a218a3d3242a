import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { HASH_WASM_FACTORIES, type ChecksumAlgorithm } from '../checksum.js';
import { FragoError } from '../errors.js';
import { inThreadHashers, type Hashers, type HashJob } from '../hashers.js';
import type { ByteRange } from '../intervals.js';
import { HandoffJob } from './handoff-job.js';
import { HASH_THREAD_SOURCE, type HashThreadReply, type HashThreadRequest } from './hash-thread.js';

/** Bytes copied into one message to a thread. */
const BATCH_BYTES = 1024 * 1024;
/** Bytes a job may have on their way to its thread before `update` asks the caller to wait. */
const MAX_QUEUED_BYTES = 4 * BATCH_BYTES;

type Request = HashThreadRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** One worker thread and the answers it owes. */
class HashThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Jobs open on this thread, to spread new ones. */
  jobs = 0;

  constructor(hashWasm: string) {
    this.worker = new Worker(HASH_THREAD_SOURCE, { eval: true, workerData: { hashWasm } });
    // Idle threads never keep the process alive.
    this.worker.unref();
    this.worker.on('message', (reply: HashThreadReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      // A file the thread could not read is the storage's failure; its path stays out of the message.
      else if (reply.unreadable === true) waiter?.reject(new FragoError('STORAGE_FAILED', 'Could not read the upload'));
      else waiter?.reject(new Error(`hashing failed: ${reply.error}`));
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the hashing thread exited (${code})`)));
    this.fail = fail;
  }

  private readonly fail: (error: Error) => void;

  get alive(): boolean {
    return this.failure === null;
  }

  /** Sends a request; resolves with the thread's answer. `transfer` hands buffers over without copying. */
  ask<T>(request: Request, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  /** Sends a request that gets no answer. */
  tell(request: Request): void {
    if (this.failure === null) this.worker.postMessage({ ...request, id: 0 });
  }

  /** Stops the thread; what it still owes fails at once. */
  async terminate(): Promise<void> {
    this.fail(new Error('the hashing thread was stopped'));
    await this.worker.terminate();
  }
}

/** Batch buffers that came back from a thread, to be filled again. */
class BatchPool {
  private readonly free: Uint8Array[] = [];

  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(BATCH_BYTES);
  }

  give(batch: Uint8Array): void {
    if (batch.byteLength === BATCH_BYTES && this.free.length < 16) this.free.push(batch);
  }
}

/**
 * A job on a thread: bytes are copied into 1 MiB batches, each handed over whole and
 * handed back once hashed.
 */
class ThreadHashJob implements HashJob {
  private batch: Uint8Array;
  private filled = 0;
  private readonly sent: Array<Promise<unknown>> = [];
  private closed = false;

  constructor(
    private readonly thread: HashThread,
    private readonly job: number,
    private readonly batches: BatchPool,
  ) {
    this.batch = batches.take();
  }

  update(bytes: Uint8Array): void | Promise<void> {
    let done = 0;
    while (done < bytes.byteLength) {
      const take = Math.min(bytes.byteLength - done, BATCH_BYTES - this.filled);
      this.batch.set(bytes.subarray(done, done + take), this.filled);
      this.filled += take;
      done += take;
      if (this.filled === BATCH_BYTES) this.flush();
    }
    if (this.sent.length * BATCH_BYTES > MAX_QUEUED_BYTES) return this.drain(MAX_QUEUED_BYTES / BATCH_BYTES / 2);
  }

  /** The thread reads the range itself, after the bytes already given; nothing is copied here. */
  async updateFromFile(path: string, range: ByteRange): Promise<void> {
    this.flush();
    await this.thread.ask<null>({ job: this.job, op: 'file', path, start: range.start, end: range.end });
    // Every batch sent before is hashed by now (the thread works in order): they may be filled again.
    await this.drain(0);
  }

  async save(): Promise<Uint8Array> {
    this.flush();
    const state = await this.thread.ask<Uint8Array>({ job: this.job, op: 'save' });
    await this.drain(0);
    return state;
  }

  async digest(): Promise<string> {
    this.flush();
    try {
      return await this.thread.ask<string>({ job: this.job, op: 'digest' });
    } finally {
      this.release();
      await this.drain(0).catch(() => undefined);
    }
  }

  close(): void {
    if (this.closed) return;
    this.release();
    this.thread.tell({ job: this.job, op: 'close' });
    this.sent.length = 0;
  }

  /** Marks the job closed: its thread has one job less and its batch goes back to the pool. */
  private release(): void {
    this.closed = true;
    this.thread.jobs -= 1;
    this.batches.give(this.batch);
  }

  private flush(): void {
    if (this.filled === 0) return;
    const bytes = this.batch.subarray(0, this.filled);
    const sent = this.thread
      .ask<Uint8Array>({ job: this.job, op: 'update', bytes }, [bytes.buffer as ArrayBuffer])
      .then((returned) => this.batches.give(new Uint8Array(returned.buffer)));
    // Handled here so that a failed thread never leaves an unhandled rejection; whoever
    // drains the batch still gets the error.
    sent.catch(() => undefined);
    this.sent.push(sent);
    this.batch = this.batches.take();
    this.filled = 0;
  }

  /** Waits until at most `left` batches are still on their way. */
  private async drain(left: number): Promise<void> {
    while (this.sent.length > left) await this.sent.shift();
  }
}

/** {@link Hashers} on worker threads, from {@link threadHashers}. */
export interface ThreadHashers extends Hashers {
  /** Stops the threads; jobs still open fail. Threads never keep the process alive, so this is optional. */
  close(): Promise<void>;
}

/** Options of {@link threadHashers}. */
export interface ThreadHashersOptions {
  /** How many worker threads hash; default 1. Each job runs on one thread. */
  readonly threads?: number;
  /**
   * A job hashes its first `inlineBytes` in the calling thread (a trip to a thread costs
   * more than hashing a small upload) and moves to a thread after that. Default 1 MiB;
   * 0 sends everything to the threads.
   */
  readonly inlineBytes?: number;
}

/**
 * Whole-file checksums computed on worker threads (started on first use), so that
 * hashing, the most expensive part of receiving a chunk, runs beside the event loop
 * instead of on it. Bytes are copied to the thread in batches of 1 MiB; a job that
 * falls behind makes its caller wait, so memory stays bounded. The saved states are
 * hash-wasm's, the same as the default hashers', so processes with and without
 * threads can share uploads.
 *
 * @example
 * ```ts
 * const frago = createFrago({ repository, storage, checksum: { hashers: threadHashers() } });
 * ```
 */
export function threadHashers(options: ThreadHashersOptions = {}): ThreadHashers {
  const count = Math.max(1, Math.trunc(options.threads ?? 1));
  const inlineBytes = Math.max(0, options.inlineBytes ?? 1024 * 1024);
  const hashWasm = createRequire(import.meta.url).resolve('hash-wasm');
  const threads: HashThread[] = [];
  const batches = new BatchPool();
  let nextJob = 1;
  const pick = (): HashThread => {
    for (let i = threads.length - 1; i >= 0; i -= 1) if (!threads[i]!.alive) threads.splice(i, 1);
    if (threads.length < count) {
      const thread = new HashThread(hashWasm);
      threads.push(thread);
      return thread;
    }
    return threads.reduce((least, thread) => (thread.jobs < least.jobs ? thread : least));
  };
  const openOnThread = async (algorithm: ChecksumAlgorithm, state: Uint8Array | null): Promise<HashJob> => {
    const thread = pick();
    const job = nextJob++;
    thread.jobs += 1;
    try {
      await thread.ask({ job, op: 'open', ...HASH_WASM_FACTORIES[algorithm], state });
    } catch (error) {
      thread.jobs -= 1;
      throw error;
    }
    return new ThreadHashJob(thread, job, batches);
  };
  return {
    async open(algorithm: ChecksumAlgorithm, state: Uint8Array | null): Promise<HashJob> {
      if (inlineBytes === 0) return openOnThread(algorithm, state);
      const local = await inThreadHashers.open(algorithm, state);
      return new HandoffJob(local, inlineBytes, (handed) => openOnThread(algorithm, handed));
    },
    async close() {
      await Promise.all(threads.splice(0).map((thread) => thread.terminate()));
    },
  };
}
