import type { WireRange } from './wire.js';

/** The byte ranges still to send, cut at multiples of `chunkSize` so that a resumed upload sends the same ranges as before. */
export function planChunks(missing: readonly WireRange[], chunkSize: number): WireRange[] {
  const chunks: WireRange[] = [];
  for (const gap of missing) {
    for (let start = gap.start; start <= gap.end; ) {
      const boundary = (Math.floor(start / chunkSize) + 1) * chunkSize - 1;
      const end = Math.min(boundary, gap.end);
      chunks.push({ start, end });
      start = end + 1;
    }
  }
  return chunks;
}

/** The whole file as one missing range (none for an empty file). */
export function wholeFile(size: number): WireRange[] {
  return size === 0 ? [] : [{ start: 0, end: size - 1 }];
}
