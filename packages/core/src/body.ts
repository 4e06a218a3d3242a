import { FragoError } from './errors.js';

/**
 * Passes a body through while checking it is exactly `length` bytes. A byte past
 * `length` is never passed on; a body that ends early fails after its last byte.
 *
 * @throws {FragoError} `BODY_LENGTH_MISMATCH` when the body is shorter or longer.
 */
export async function* exactLength(body: AsyncIterable<Uint8Array>, length: number): AsyncIterable<Uint8Array> {
  let received = 0;
  for await (const piece of body) {
    received += piece.byteLength;
    if (received > length) {
      throw new FragoError('BODY_LENGTH_MISMATCH', `The body is longer than the ${length} bytes of its range`);
    }
    if (piece.byteLength > 0) yield piece;
  }
  if (received < length) {
    throw new FragoError(
      'BODY_LENGTH_MISMATCH',
      `The body ended after ${received} of the ${length} bytes of its range`,
    );
  }
}

/**
 * Passes a body through, feeding every piece to `observe` first (e.g. a hasher). When
 * `observe` returns a promise, the piece is passed on once it settles.
 */
export async function* tap(
  body: AsyncIterable<Uint8Array>,
  observe: (piece: Uint8Array) => void | Promise<void>,
): AsyncIterable<Uint8Array> {
  for await (const piece of body) {
    const pending = observe(piece);
    if (pending !== undefined) await pending;
    yield piece;
  }
}

/**
 * Reads a whole body that must be small (a JSON document), refusing more than `limit` bytes.
 *
 * @throws {FragoError} `BODY_TOO_LARGE`.
 */
export async function readSmallBody(body: AsyncIterable<Uint8Array> | null, limit: number): Promise<string> {
  if (body === null) return '';
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of body) {
    size += piece.byteLength;
    if (size > limit) throw new FragoError('BODY_TOO_LARGE', `The request body is larger than ${limit} bytes`);
    pieces.push(piece);
  }
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(joined);
}

/** The body of a request that has none. */
export async function* emptyBody(): AsyncIterable<Uint8Array> {}
