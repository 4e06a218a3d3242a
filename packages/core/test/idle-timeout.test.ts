import { describe, expect, it } from 'vitest';
import { isFragoError } from '../src/errors.js';
import { idleTimeout } from '../src/idle-timeout.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* paced(pieces: number, gapMs: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < pieces; i += 1) {
    await sleep(gapMs);
    yield new Uint8Array([i]);
  }
}

async function drain(body: AsyncIterable<Uint8Array>, holdMs = 0): Promise<number[]> {
  const seen: number[] = [];
  for await (const piece of body) {
    seen.push(piece[0]!);
    if (holdMs > 0) await sleep(holdMs);
  }
  return seen;
}

describe('idleTimeout', () => {
  it('passes a body whose pieces keep coming, however long it takes in all', async () => {
    expect(await drain(idleTimeout(paced(8, 40), 150))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('does not count the time the consumer holds a piece', async () => {
    expect(await drain(idleTimeout(paced(3, 0), 60), 150)).toEqual([0, 1, 2]);
  });

  it('fails a body that stalls with BODY_TIMEOUT, after the pieces it sent', async () => {
    const seen: number[] = [];
    const stalling = (async function* () {
      yield new Uint8Array([1]);
      await new Promise(() => undefined);
    })();
    const error = await (async () => {
      for await (const piece of idleTimeout(stalling, 50)) seen.push(piece[0]!);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual([1]);
    expect(isFragoError(error, 'BODY_TIMEOUT')).toBe(true);
  });

  it('passes the body error on unchanged', async () => {
    const failure = new TypeError('socket reset');
    const broken = (async function* () {
      yield new Uint8Array([1]);
      throw failure;
    })();
    await expect(drain(idleTimeout(broken, 1000))).rejects.toBe(failure);
  });
});
