import type { ByteRange } from '@frago/core';

/** The answer of one API call; `status` 0 when the server could not be reached. */
export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Calls the frago API of whichever server it is given; a dead server answers status 0. */
export async function call(origin: string, method: string, path: string, body?: Uint8Array | object, headers: Record<string, string> = {}): Promise<Reply> {
  const raw = body instanceof Uint8Array;
  try {
    const response = await fetch(`${origin}/upload${path}`, {
      method,
      headers: { 'content-type': raw ? 'application/octet-stream' : 'application/json', ...headers },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Sends `bytes[start..end]` of an upload to `origin`. */
export function put(origin: string, id: string, bytes: Uint8Array, range: ByteRange): Promise<Reply> {
  return call(origin, 'PUT', `/${id}/`, bytes.subarray(range.start, range.end + 1), {
    'content-range': `bytes ${range.start}-${range.end}/${bytes.byteLength}`,
  });
}

/** `[0, total)` cut into ranges of `size` bytes. */
export function chunksOf(total: number, size: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let start = 0; start < total; start += size) ranges.push({ start, end: Math.min(start + size, total) - 1 });
  return ranges;
}

/** Runs `task` on every item, `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index] as T, index);
      }
    }),
  );
}

/**
 * Resumes an upload as a client would after losing a server: asks a live server what
 * is missing and sends it again, in `chunkSize` pieces, until nothing is. A range still
 * held by a dead server's claim answers 409 `RANGE_IN_FLIGHT` until that claim's lease
 * runs out; it is retried after a pause.
 */
export async function resume(live: () => string[], id: string, bytes: Uint8Array, chunkSize: number): Promise<number> {
  let resent = 0;
  for (let round = 0; round < 60; round++) {
    const origins = live();
    const status = await call(origins[round % origins.length] ?? '', 'GET', `/${id}/`);
    const missing = status.body.missing as ByteRange[] | undefined;
    if (status.status === 200 && missing?.length === 0) return resent;
    const pieces = (missing ?? []).flatMap((gap) => chunksOf(gap.end - gap.start + 1, chunkSize).map((piece) => ({ start: gap.start + piece.start, end: gap.start + piece.end })));
    await inParallel(pieces, 4, async (piece, index) => {
      const reply = await put(origins[index % origins.length] ?? '', id, bytes, piece);
      if (reply.status === 200) resent += 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`upload ${id} still has missing ranges after 60 rounds`);
}
