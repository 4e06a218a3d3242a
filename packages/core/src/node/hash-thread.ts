/** A request from the main thread to a hashing thread. */
export type HashThreadRequest =
  | { readonly id: number; readonly job: number; readonly op: 'open'; readonly factory: string; readonly argument?: number | string; readonly state: Uint8Array | null }
  | { readonly id: number; readonly job: number; readonly op: 'update'; readonly bytes: Uint8Array }
  | { readonly id: number; readonly job: number; readonly op: 'file'; readonly path: string; readonly start: number; readonly end: number }
  | { readonly id: number; readonly job: number; readonly op: 'save' | 'digest' | 'close' };

/** A hashing thread's answer to the request with the same `id`. */
export type HashThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: Uint8Array | string | null }
  | { readonly id: number; readonly ok: false; readonly error: string; readonly unreadable?: true };

/** What the part of hash-wasm a thread uses looks like. */
interface ThreadHasher {
  init(): void;
  load(state: Uint8Array): void;
  update(bytes: Uint8Array): void;
  save(): Uint8Array;
  digest(format: 'hex'): string;
}

/**
 * The body of a hashing thread. It is sent to the thread as source text (so that it
 * works the same from TypeScript sources and from the build) and so must not refer to
 * anything outside itself: `require` is the thread's own, and hash-wasm's path comes
 * in `workerData`. Requests are handled strictly in order.
 */
function runHashThread(require: (id: string) => unknown): void {
  const threads = require('node:worker_threads') as typeof import('node:worker_threads');
  const fs = require('node:fs') as typeof import('node:fs');
  const port = threads.parentPort;
  const hashWasm = require((threads.workerData as { hashWasm: string }).hashWasm) as Record<string, (argument?: number | string) => Promise<ThreadHasher>>;
  if (port === null) return;
  const jobs = new Map<number, { kind: string; hasher: ThreadHasher }>();
  // Idle hashers are kept by factory and argument: a CRC-32C hasher is no plain CRC-32 one.
  const idle = new Map<string, ThreadHasher[]>();
  // One buffer for every file read: the bytes are hashed before the next read.
  const readBuffer = new Uint8Array(1024 * 1024);
  /** A file that cannot be read, as opposed to a failure of hashing. */
  class Unreadable extends Error {}
  const hashFile = (hasher: ThreadHasher, path: string, start: number, end: number) => {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (error) {
      throw new Unreadable(String(error));
    }
    try {
      for (let position = start; position <= end; ) {
        let read: number;
        try {
          read = fs.readSync(fd, readBuffer, 0, Math.min(readBuffer.byteLength, end - position + 1), position);
        } catch (error) {
          throw new Unreadable(String(error));
        }
        if (read === 0) throw new Unreadable(`the file ends before byte ${position}`);
        hasher.update(readBuffer.subarray(0, read));
        position += read;
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const release = (job: number) => {
    const open = jobs.get(job);
    if (open === undefined) return;
    jobs.delete(job);
    const free = idle.get(open.kind) ?? [];
    if (free.length < 4) free.push(open.hasher);
    idle.set(open.kind, free);
  };
  const handle = async (request: HashThreadRequest): Promise<Uint8Array | string | null> => {
    if (request.op === 'open') {
      const factory = hashWasm[request.factory];
      if (typeof factory !== 'function') throw new Error(`no hasher ${request.factory}`);
      const kind = `${request.factory}(${String(request.argument ?? '')})`;
      const hasher = idle.get(kind)?.pop() ?? (await factory(request.argument));
      hasher.init();
      if (request.state !== null) hasher.load(request.state);
      jobs.set(request.job, { kind, hasher });
      return null;
    }
    if (request.op === 'close') {
      release(request.job);
      return null;
    }
    const open = jobs.get(request.job);
    if (open === undefined) throw new Error(`no job ${request.job}`);
    if (request.op === 'update') {
      open.hasher.update(request.bytes);
      // Handed back, so the main thread can fill it again instead of allocating.
      return request.bytes;
    }
    if (request.op === 'file') {
      hashFile(open.hasher, request.path, request.start, request.end);
      return null;
    }
    if (request.op === 'save') return open.hasher.save();
    const hex = open.hasher.digest('hex');
    release(request.job);
    return hex;
  };
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: HashThreadRequest) => {
    queue = queue.then(async () => {
      try {
        const value = await handle(request);
        const transfer = request.op === 'update' ? [request.bytes.buffer as ArrayBuffer] : [];
        if (request.op !== 'close') port.postMessage({ id: request.id, ok: true, value } satisfies HashThreadReply, transfer);
      } catch (error) {
        const reply: HashThreadReply =
          error instanceof Unreadable ? { id: request.id, ok: false, error: error.message, unreadable: true } : { id: request.id, ok: false, error: String(error) };
        port.postMessage(reply);
      }
    });
  });
}

/** The source of a hashing thread, for `new Worker(source, { eval: true })`. */
export const HASH_THREAD_SOURCE = `(${runHashThread.toString()})(require);`;
