import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FragoError, type FragoErrorCode } from '@frago/core';
import { multipartFile } from '../src/multipart.js';

const encoder = new TextEncoder();
const BOUNDARY = 'frago-boundary';
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function bytes(...pieces: Array<string | Uint8Array>): Uint8Array {
  const parts = pieces.map((piece) => (typeof piece === 'string' ? encoder.encode(piece) : piece));
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function form(file: Uint8Array, { before = '', after = '', name = 'file' } = {}): Uint8Array {
  return bytes(
    before,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="a; name=x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    file,
    `\r\n--${BOUNDARY}--\r\n`,
    after,
  );
}

async function* inPieces(body: Uint8Array, cuts: readonly number[]): AsyncIterable<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts, body.length]) {
    yield body.subarray(start, cut);
    start = cut;
  }
}

async function read(body: AsyncIterable<Uint8Array>, contentType = TYPE): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const piece of multipartFile(body, contentType)) pieces.push(piece);
  return bytes(...pieces);
}

async function refusal(body: AsyncIterable<Uint8Array>, contentType = TYPE): Promise<{ code: FragoErrorCode; message: string }> {
  const error: unknown = await read(body, contentType).then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(FragoError);
  return { code: (error as FragoError).code, message: (error as FragoError).message };
}

// Data that looks like the start of a boundary at every turn.
const tricky = bytes('\r', '\r\n', '\r\n-', '\r\n--', `\r\n--${BOUNDARY.slice(0, 5)}`, `\r\n--${BOUNDARY.slice(0, -1)}`, 'end\r');

describe('multipart/form-data file streaming', () => {
  it('returns the file part byte for byte however the body is cut into reads', async () => {
    const body = form(tricky);
    for (let cut = 0; cut <= body.length; cut += 1) {
      expect(await read(inPieces(body, [cut])), `cut at ${cut}`).toEqual(tricky);
    }
    const oneByteReads = Array.from({ length: body.length - 1 }, (_, i) => i + 1);
    expect(await read(inPieces(body, oneByteReads))).toEqual(tricky);
  });

  it('returns any file made of boundary-like bytes, however the body is cut, byte for byte', async () => {
    // Bytes drawn from the delimiter itself, so that near-boundaries are everywhere.
    const alphabet = encoder.encode(`\r\n--${BOUNDARY}`);
    const file = fc.uint8Array({ maxLength: 400 }).map((bytes) => bytes.map((byte) => alphabet[byte % alphabet.length] as number));
    await fc.assert(
      fc.asyncProperty(file, fc.array(fc.nat(), { maxLength: 8 }), async (content, picks) => {
        const body = form(content);
        const cuts = [...new Set(picks.map((pick) => pick % (body.length + 1)))].sort((a, b) => a - b);
        expect(await read(inPieces(body, cuts))).toEqual(content);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a body as FormData serialises it, with a preamble and an epilogue', async () => {
    const file = new Uint8Array(200_000).map((_, i) => (i * 7919) % 256);
    const data = new FormData();
    data.append('note', 'ignored');
    data.append('file', new Blob([file]), 'chunk.bin');
    const serialised = new Response(data);
    const contentType = serialised.headers.get('content-type') ?? '';
    expect(await read(serialised.body as AsyncIterable<Uint8Array>, contentType)).toEqual(file);
    expect(await read(inPieces(form(file, { before: 'preamble\r\n', after: 'epilogue' }), [1000, 150_000]))).toEqual(file);
  });

  it('tells where the file begins in the body, before passing on its first byte, however the body is cut', async () => {
    for (const content of [tricky, new Uint8Array(0)]) {
      const body = form(content, { before: 'preamble\r\n' });
      const expected = body.length - content.length - `\r\n--${BOUNDARY}--\r\n`.length;
      for (let cut = 0; cut <= body.length; cut += 7) {
        const seen: Array<number | 'piece'> = [];
        for await (const piece of multipartFile(inPieces(body, [cut]), TYPE, { onFileStart: (offset) => seen.push(offset) })) {
          if (piece.length > 0) seen.push('piece');
        }
        expect(seen[0], `cut at ${cut}`).toBe(expected);
        expect(seen.filter((entry) => entry !== 'piece'), `cut at ${cut}`).toEqual([expected]);
      }
    }
  });

  it('passes the file on as it arrives, before the rest of the body was sent', async () => {
    const head = form(new Uint8Array(0)).subarray(0, -`\r\n--${BOUNDARY}--\r\n`.length);
    let release: () => void = () => undefined;
    const rest = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* body(): AsyncIterable<Uint8Array> {
      yield head;
      yield new Uint8Array(1000).fill(1);
      await rest;
      yield encoder.encode(`\r\n--${BOUNDARY}--`);
    }
    const reader = multipartFile(body(), TYPE)[Symbol.asyncIterator]();
    const first = await reader.next();
    expect(first.value?.length).toBeGreaterThan(900);
    release();
    while (!(await reader.next()).done);
  });

  it('takes the boundary quoted or bare and refuses a Content-Type without a valid one', async () => {
    expect(await read(inPieces(form(tricky), []), `multipart/form-data; charset=utf-8; boundary="${BOUNDARY}"`)).toEqual(tricky);
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary="${'x'.repeat(71)}"`, 'multipart/form-data; boundary="a b "']) {
      expect(await refusal(inPieces(form(tricky), []), type), type).toMatchObject({ code: 'INVALID_REQUEST' });
    }
  });

  it('refuses a body without the file field, and one that ends early, in clear words', async () => {
    expect(await refusal(inPieces(form(tricky, { name: 'other' }), []))).toEqual({ code: 'MISSING_FILE_FIELD', message: 'The multipart body has no "file" file field' });
    const body = form(tricky);
    expect(await refusal(inPieces(body.subarray(0, body.length - 20), []))).toEqual({
      code: 'INVALID_REQUEST',
      message: 'Malformed multipart/form-data body: it ended inside the file part',
    });
    expect((await refusal(inPieces(encoder.encode('no boundary at all'), []))).message).toContain('ended before its closing boundary');
  });

  it('refuses parts without a name, text after a boundary, and bodies over its limits', async () => {
    const cases: Array<[string, string]> = [
      [`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`, 'no Content-Disposition'],
      [`--${BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${BOUNDARY}--`, 'no name'],
      [`--${BOUNDARY}junk\r\n\r\n--${BOUNDARY}--`, 'followed by text'],
      [`--${BOUNDARY}\r\nX-Pad: ${'p'.repeat(9000)}\r\n\r\n--${BOUNDARY}--`, 'headers are longer'],
      [`${`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\nx\r\n`.repeat(33)}--${BOUNDARY}--`, 'more than 32 parts'],
      [`--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\n${'x'.repeat(70_000)}\r\n--${BOUNDARY}--`, 'outside the file part'],
    ];
    for (const [text, words] of cases) {
      const refused = await refusal(inPieces(encoder.encode(text), [7]));
      expect(refused.code, words).toBe('INVALID_REQUEST');
      expect(refused.message).toContain(words);
    }
  });
});
