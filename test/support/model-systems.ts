import { createServer } from 'node:http';
import express from 'express';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage, type Frago, type FragoOptions, type Storage, type UploadRepository } from '@frago/core';
import { listen, testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { openStack } from './stack.js';
import { MODEL_SETTINGS, type System } from './upload-model.js';

export const MODEL_START = Date.parse('2030-01-01T00:00:00Z');

/** The model's settings, for a frago on `repository` and `storage` whose clock is `clock`. */
function configured(repository: UploadRepository, storage: Storage, clock: { now: number }): FragoOptions {
  return {
    repository,
    storage,
    expirationMs: MODEL_SETTINGS.expirationMs,
    limits: { maxChunkSize: MODEL_SETTINGS.maxChunkSize, maxUploadSize: MODEL_SETTINGS.maxUploadSize, maxActiveUploadsPerOwner: MODEL_SETTINGS.maxActiveUploadsPerOwner },
    now: () => new Date(clock.now),
  };
}

function inspector(frago: Frago, repository: UploadRepository, clock: { now: number }): Pick<System, 'advance' | 'sweep' | 'inspect'> {
  return {
    advance: (ms) => {
      clock.now += ms;
    },
    sweep: () => frago.sweepExpired(),
    inspect: async (id) => {
      const upload = await repository.get(id);
      return upload === null ? null : { upload, chunks: await repository.chunks(id) };
    },
  };
}

/** A frago on the memory repository and storage, called in-process through `frago.handle`. */
export function inProcessSystem(): System {
  const clock = { now: MODEL_START };
  const repository = new MemoryRepository();
  const frago = createFrago(configured(repository, new MemoryStorage(), clock));
  return {
    ...inspector(frago, repository, clock),
    async call(method, path, init) {
      const body = init.body === undefined ? null : (async function* () {
        yield typeof init.body === 'string' ? new TextEncoder().encode(init.body) : (init.body as Uint8Array);
      })();
      const response = await frago.handle({
        method,
        path: `/upload${path}`,
        headers: { 'content-type': 'application/json', ...init.headers },
        body,
        identity: init.user === undefined ? ANONYMOUS : { kind: 'user', id: init.user },
      });
      // What a socket would carry: the body as JSON text.
      return { status: response.status, body: JSON.parse(JSON.stringify(response.body)) as Record<string, any> };
    },
  };
}

/** A frago on SQLite and disk behind Express, called over a real socket. Close it with `close`. */
export async function socketSystem(): Promise<System & { close(): Promise<void> }> {
  const clock = { now: MODEL_START };
  const stack = await openStack('sqlite');
  const frago = createFrago(configured(stack.repository, stack.storage, clock));
  const app = express();
  app.use(fragoExpress(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER]) }));
  const server = await listen(createServer(app));
  return {
    ...inspector(frago, stack.repository, clock),
    async call(method, path, init) {
      const response = await fetch(`${server.origin}/upload${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(init.user ? { [TEST_USER_HEADER]: init.user } : {}), ...init.headers },
        body: init.body,
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    },
    close: async () => {
      await server.close();
      await stack.close();
    },
  };
}
