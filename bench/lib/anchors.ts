import type { Place } from './places.js';
import { BARE, TUS, type Target } from './targets.js';

/** One target's median in one place, higher meaning faster. */
export interface Measured {
  readonly place: Place;
  readonly target: Target;
  readonly value: number;
}

/**
 * The `x bare` and `x tus` cells of a row: its value over the bare server's and over
 * @tus/server's in the same place (n/a when that anchor did not run there).
 */
export function ratioCells(row: Measured, all: readonly Measured[]): [string, string] {
  const over = (anchor: Target) => {
    const measured = all.find((other) => other.place === row.place && other.target === anchor);
    return measured === undefined ? 'n/a' : (row.value / measured.value).toFixed(2);
  };
  return [over(BARE), over(TUS)];
}

/** `target`'s value over `anchor`'s in `place`, NaN when either did not run there. */
export function ratioOf(all: readonly Measured[], place: Place, target: Target, anchor: Target): number {
  const of = (wanted: Target) => all.find((row) => row.place === place && row.target.name === wanted.name)?.value ?? Number.NaN;
  return of(target) / of(anchor);
}
