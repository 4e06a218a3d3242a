import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage, type FragoOptions, type FragoRequest, type Identity } from '@frago/core';

export const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
export const alice: Identity = { kind: 'user', id: 'alice' };

export async function* bytesOf(...pieces: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const piece of pieces) yield piece;
}

/** A frago called in-process, as an embedding server would call it: anonymous unless a call names its identity. */
export function setup(options: Partial<FragoOptions> = {}) {
  const repository = new MemoryRepository();
  const storage = new MemoryStorage();
  const frago = createFrago({ repository, storage, ...options });
  const call = async (method: string, path: string, init: Partial<FragoRequest> & { json?: unknown } = {}) => {
    const response = await frago.handle({
      method,
      path: `/upload${path}`,
      headers: { 'content-type': init.json === undefined ? 'application/octet-stream' : 'application/json', ...init.headers },
      body: init.json === undefined ? (init.body ?? null) : bytesOf(new TextEncoder().encode(JSON.stringify(init.json))),
      identity: init.identity ?? ANONYMOUS,
    });
    return { status: response.status, body: response.body as Record<string, any> };
  };
  const start = async (totalSize: number, identity?: Identity) => {
    const created = await call('POST', '/', { json: { filename: 'f.bin', total_size: totalSize }, identity });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.upload_id as string;
  };
  const put = (id: string, data: Uint8Array, start: number, end: number, body?: AsyncIterable<Uint8Array>) =>
    call('PUT', `/${id}/`, {
      headers: { 'content-range': `bytes ${start}-${end}/${data.length}` },
      body: body ?? bytesOf(data.subarray(start, end + 1)),
    });
  return { frago, repository, storage, call, start, put };
}
