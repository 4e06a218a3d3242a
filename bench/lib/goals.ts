// The targets the issues set, each checked against what this run measured, printed
// together at the end of `pnpm bench` so that one run says which are met.
import { printTable } from './table.js';

export interface Goal {
  /** What is measured, as the issue words it. */
  readonly what: string;
  /** The measured value (a ratio, or the unit `unit` names). */
  readonly measured: number;
  readonly bound: number;
  /** `min`: the measured value should be at least the bound; `max`: at most. */
  readonly kind: 'min' | 'max';
  readonly unit?: string;
}

const goals: Goal[] = [];

/** Records one target's measurement; NaN (a row that did not run) is printed as not measured. */
export function goal(entry: Goal): void {
  goals.push(entry);
}

const shown = (value: number, unit = '') => (Number.isFinite(value) ? `${value.toFixed(value >= 10 ? 1 : value < 0.1 ? 3 : 2)}${unit}` : 'not measured');

/** The table of every recorded target: measured, wanted, met. */
export function printGoals(): void {
  if (goals.length === 0) return;
  console.log('\nAgainst the targets');
  printTable(
    ['what', 'measured', 'target', 'met'],
    goals.map(({ what, measured, bound, kind, unit }) => [
      what,
      shown(measured, unit),
      `${kind === 'min' ? 'at least' : 'at most'} ${shown(bound, unit)}`,
      !Number.isFinite(measured) ? '' : (kind === 'min' ? measured >= bound : measured <= bound) ? 'yes' : 'no',
    ]),
  );
}
