import { expect, it } from 'vitest';
import type { HostileContext } from './hostile-input.js';

/** `body` framed as chunked: one chunk and the last, empty one. */
const chunked = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

/** Transfer codings frago does not apply: the bytes must never be stored as they came. */
export function describeHostileTransferCodings(context: HostileContext): void {
  const { start, base, observe } = context;

  const send = (method: string, path: string, coding: string, headers: readonly string[], body: string) => {
    const url = `${base()}${path}`;
    return context.socket(url, [`${method} ${new URL(url).pathname} HTTP/1.1`, `Transfer-Encoding: ${coding}`, ...headers], chunked(body));
  };

  it('refuses a transfer coding besides chunked with 501 (or the runtime with 400) and stores nothing', async () => {
    const id = await start(1000);
    const before = await observe([id]);
    const chunk = ['Content-Type: application/octet-stream', 'Content-Range: bytes 0-9/1000'];
    const codings = ['gzip, chunked', 'GZIP,Chunked', 'deflate, chunked', 'compress , chunked', 'identity, chunked', 'x-frago-unknown, chunked'];
    const attempts = [
      ...codings.map((coding) => ({ coding, sent: () => send('PUT', `/${id}/`, coding, chunk, '0123456789') })),
      { coding: 'gzip, chunked (start)', sent: () => send('POST', '/', 'gzip, chunked', ['Content-Type: application/json'], '{"filename":"a","total_size":1}') },
    ];
    for (const { coding, sent } of attempts) {
      const outcome = await sent();
      expect(outcome, coding).not.toBe('reset');
      if (outcome === 'reset') continue;
      // Bun's and Deno's HTTP parsers refuse some of these themselves, with an empty 400,
      // before any handler runs; what reaches frago gets its 501.
      if (outcome.status === 400) expect(outcome.body.status, `${coding}: answered by frago`).toBeUndefined();
      else expect({ status: outcome.status, error: outcome.body.error }, coding).toEqual({ status: 501, error: 'UNSUPPORTED_TRANSFER_CODING' });
    }
    expect(await observe([id])).toEqual(before);
  });

  it('refuses codings that do not end in chunked, by the runtime (400) or by frago (501), and stores nothing', async () => {
    const id = await start(1000);
    const before = await observe([id]);
    for (const coding of ['chunked, gzip', 'gzip', 'identity']) {
      const outcome = await send('PUT', `/${id}/`, coding, ['Content-Type: application/octet-stream', 'Content-Range: bytes 0-9/1000'], '0123456789');
      expect(outcome, coding).not.toBe('reset');
      if (outcome === 'reset') continue;
      expect([400, 501], coding).toContain(outcome.status);
      if (outcome.status === 501) expect(outcome.body.error).toBe('UNSUPPORTED_TRANSFER_CODING');
    }
    expect(await observe([id])).toEqual(before);
  });
}
