/** A request from the main thread to a hashing thread. */
export type HashThreadRequest =
  | { readonly id: number; readonly job: number; readonly op: 'open'; readonly factory: string; readonly argument?: number | string; readonly state: Uint8Array | null }
  | { readonly id: number; readonly job: number; readonly op: 'update'; readonly bytes: Uint8Array }
  | { readonly id: number; readonly job: number; readonly op: 'save' | 'digest' | 'close' };

/** A hashing thread's answer to the request with the same `id`. */
export type HashThreadReply =
  | { readonly id: number; readonly ok: true; readonly value: Uint8Array | string | null }
  | { readonly id: number; readonly ok: false; readonly error: string };

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
  const port = threads.parentPort;
  const hashWasm = require((threads.workerData as { hashWasm: string }).hashWasm) as Record<string, (argument?: number | string) => Promise<ThreadHasher>>;
  if (port === null) return;
  const jobs = new Map<number, { kind: string; hasher: ThreadHasher }>();
  // Idle hashers are kept by factory and argument: a CRC-32C hasher is no plain CRC-32 one.
  const idle = new Map<string, ThreadHasher[]>();
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
        port.postMessage({ id: request.id, ok: false, error: String(error) } satisfies HashThreadReply);
      }
    });
  });
}

/** The source of a hashing thread, for `new Worker(source, { eval: true })`. */
export const HASH_THREAD_SOURCE = `(${runHashThread.toString()})(require);`;
