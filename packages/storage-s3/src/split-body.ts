/**
 * Cuts one body into consecutive pieces of given lengths, so that a chunk spanning
 * several parts is uploaded part by part without being buffered. Take the pieces in
 * order and finish each before taking the next.
 */
export class BodySplitter {
  private readonly source: AsyncIterator<Uint8Array>;
  private leftover: Uint8Array | undefined;

  constructor(body: AsyncIterable<Uint8Array>) {
    this.source = body[Symbol.asyncIterator]();
  }

  /** The next `length` bytes of the body. */
  async *take(length: number): AsyncGenerator<Uint8Array> {
    let remaining = length;
    while (remaining > 0) {
      const piece = this.leftover ?? (await this.next());
      this.leftover = undefined;
      if (piece.byteLength > remaining) {
        this.leftover = piece.subarray(remaining);
        yield piece.subarray(0, remaining);
        return;
      }
      remaining -= piece.byteLength;
      if (piece.byteLength > 0) yield piece;
    }
  }

  private async next(): Promise<Uint8Array> {
    const result = await this.source.next();
    if (result.done) throw new Error('The body ended before its declared length');
    return result.value;
  }
}
