import { idleTimeout } from '../idle-timeout.js';

/** The most of a refused body the Fetch handler reads to keep its connection open. */
export const DISCARD_LIMIT = 16 * 2 ** 20;
/** How long the Fetch handler waits for the next piece of a refused body. */
export const DISCARD_IDLE_MS = 2_000;

/**
 * Reads and drops what is left of a body that was refused before it was read (a chunk
 * over the size limit, a caller without credentials), up to `limit` bytes, so the client
 * gets its answer on a connection that stays usable. Runtimes differ in what they do
 * with an unread body: some drop it within a deadline and then reset the connection,
 * some reset it when the response says `connection: close`; either way a client still
 * sending may lose the answer. A body declared larger than `limit`, one that goes on past
 * it, or one that stalls is left unread; the caller then closes the connection.
 */
export async function discardBody(
  body: AsyncIterable<Uint8Array> | null,
  declaredLength: string | undefined,
  limit = DISCARD_LIMIT,
  idleMs = DISCARD_IDLE_MS,
): Promise<void> {
  if (body === null || Number(declaredLength ?? 0) > limit) return;
  let seen = 0;
  try {
    for await (const piece of idleTimeout(body, idleMs)) {
      seen += piece.byteLength;
      if (seen > limit) return;
    }
  } catch {
    // The client stalled or went away: the body stays unread and the connection closes.
  }
}
