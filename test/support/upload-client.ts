import { createHash } from 'node:crypto';
import { cutChunk } from '@frago/conformance';

/** An answer from the API. */
export interface Answer {
  readonly status: number;
  // Whatever the server sent, read by the tests.
  readonly body: Record<string, any>;
  readonly text: string;
}

/** Where the API is, and what to send with every request. */
export interface Api {
  /** The origin, read on every request (a restarted server may move). */
  origin(): string;
  readonly headers?: Record<string, string>;
  /** Sees every answer's text, e.g. to scan it for leaks. */
  readonly onAnswer?: (text: string) => void;
}

/** What a resumable upload went through. */
export interface UploadOutcome {
  readonly id: string;
  /** The final answer of finalize (201, or 200 when an earlier call completed it). */
  readonly final: Answer;
  /** Requests that failed on the network (server gone, connection cut) and were retried. */
  readonly networkErrors: number;
  /** Chunks this client cut off on purpose. */
  readonly cut: number;
  /** Finalize calls that got no answer (the server died under them). */
  readonly finalizeLost: number;
  /** Finalize answers `409 UPLOAD_BUSY`: another (possibly dead) finalizer held the upload. */
  readonly busy: number;
}

/** Options of {@link uploadResumably}. */
export interface UploadOptions {
  readonly chunkSize: number;
  readonly parallel?: number;
  readonly filename?: string;
  /** Gives up after this long (ms). Default two minutes. */
  readonly deadlineMs?: number;
  /** Called with each stored chunk's latency in ms. */
  readonly onChunk?: (ms: number) => void;
  /** Chance of cutting a chunk off mid-body (then resent after a status call). */
  readonly cutRate?: number;
  /** Called right before finalize is sent, e.g. to kill the server then. */
  readonly onFinalize?: (id: string) => void;
  /** Called once, when the first chunk is stored. */
  readonly onFirstChunk?: (id: string) => void;
}

export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request to the API. Network failures reject; every HTTP answer resolves.
 */
export async function request(api: Api, method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${api.origin()}/upload${path}`, {
    method,
    headers: { ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}), ...api.headers, ...headers },
    body,
  });
  const text = await response.text();
  api.onAnswer?.(text);
  let parsed: Record<string, any> = {};
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    // a non-JSON answer keeps an empty body; the status tells the test enough
  }
  return { status: response.status, body: parsed, text };
}

/** Retries a request on network failures and 5xx answers until `deadline`. */
async function persist(deadline: number, attempt: () => Promise<Answer>, onNetworkError: () => void): Promise<Answer> {
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    try {
      const answer = await attempt();
      if (answer.status < 500 || Date.now() > deadline) return answer;
    } catch (error) {
      onNetworkError();
      if (Date.now() > deadline) throw error;
    }
    await sleep(wait);
  }
}

function split(ranges: ReadonlyArray<{ start: number; end: number }>, size: number): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  for (const range of ranges) {
    for (let start = range.start; start <= range.end; start += size) pieces.push([start, Math.min(start + size - 1, range.end)]);
  }
  for (let i = pieces.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j] as [number, number], pieces[i] as [number, number]];
  }
  return pieces;
}

/**
 * Uploads `bytes` the way a resilient client does: start, then until complete ask the
 * server what is missing, send it (shuffled, in parallel), and finalize with the
 * file's md5. Survives a server that dies and comes back, cut connections, claims
 * still held by a dead request (`409 RANGE_IN_FLIGHT`) and a finalize in progress
 * elsewhere (`409 UPLOAD_BUSY`).
 *
 * @throws {Error} when the server answers something a client cannot recover from, or
 *   the deadline passes.
 */
export async function uploadResumably(api: Api, bytes: Uint8Array, options: UploadOptions): Promise<UploadOutcome> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  const checksum = md5(bytes);
  let networkErrors = 0;
  let cut = 0;
  let finalizeLost = 0;
  let busy = 0;
  let stored = 0;
  const counted = () => (networkErrors += 1);
  const created = await persist(deadline, () => request(api, 'POST', '/', JSON.stringify({ filename: options.filename ?? 'file.bin', total_size: bytes.length })), counted);
  if (created.status !== 201) throw new Error(`start answered ${created.status}: ${created.text}`);
  const id = created.body.upload_id as string;

  let last = '';
  for (;;) {
    if (Date.now() > deadline) throw new Error(`upload ${id} did not complete in time; the last answer: ${last}`);
    const status = await persist(deadline, () => request(api, 'GET', `/${id}/`), counted);
    last = status.text;
    if (status.status !== 200) throw new Error(`status answered ${status.status}: ${status.text}`);
    const queue = split(status.body.missing as Array<{ start: number; end: number }>, options.chunkSize);
    await Promise.all(
      Array.from({ length: options.parallel ?? 4 }, async () => {
        for (let piece = queue.shift(); piece !== undefined; piece = queue.shift()) {
          const [start, end] = piece;
          const url = `${api.origin()}/upload/${id}/`;
          if (options.cutRate !== undefined && Math.random() < options.cutRate) {
            cut += 1;
            await cutChunk(url, { start, end, total: bytes.length }, bytes.subarray(start, end + 1), Math.floor((end - start + 1) / 2), api.headers);
            continue;
          }
          const began = performance.now();
          try {
            const answer = await request(api, 'PUT', `/${id}/`, bytes.subarray(start, end + 1), {
              'content-type': 'application/octet-stream',
              'content-range': `bytes ${start}-${end}/${bytes.length}`,
            });
            if (answer.status === 200) {
              options.onChunk?.(performance.now() - began);
              if ((stored += 1) === 1) options.onFirstChunk?.(id);
            }
            else if (answer.status !== 409 && answer.status < 500) throw new Error(`chunk answered ${answer.status}: ${answer.text}`);
            else last = answer.text;
          } catch (error) {
            if (error instanceof Error && error.message.startsWith('chunk answered')) throw error;
            counted();
          }
        }
      }),
    );
    const received = await persist(deadline, () => request(api, 'GET', `/${id}/`), counted);
    if ((received.body.missing as unknown[] | undefined)?.length) {
      await sleep(50);
      continue;
    }
    options.onFinalize?.(id);
    let final: Answer;
    try {
      final = await request(api, 'POST', `/${id}/`, JSON.stringify({ checksum }));
    } catch {
      counted();
      finalizeLost += 1;
      await sleep(50);
      continue;
    }
    if (final.status === 200 || final.status === 201) {
      return { id, final, networkErrors, cut, finalizeLost, busy };
    }
    if (final.body.error === 'UPLOAD_BUSY') busy += 1;
    last = final.text;
    if (final.status === 409 || final.status >= 500) {
      await sleep(final.body.error === 'UPLOAD_BUSY' ? 200 : 50);
      continue;
    }
    throw new Error(`finalize answered ${final.status}: ${final.text}`);
  }
}
