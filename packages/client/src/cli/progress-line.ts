/** What one file's progress line says. */
export interface LineFields {
  readonly label: string;
  /** Done, from 0 to 1. */
  readonly fraction: number;
  /** `4.00 MiB of 24.00 MiB`. */
  readonly sizes: string;
  readonly speed: string;
  /** `6 s`, `?`. */
  readonly left: string;
  /** `uploading`, `retrying in 2 s: connection refused`, ... */
  readonly state: string;
}

const BAR_COMPLETE = '\u2588';
const BAR_INCOMPLETE = '\u2591';
/** Below this a label says nothing about which file it is. */
const LABEL_MIN = 8;
/** Layouts from the richest to the barest: the sizes and the bar give way before the rest. */
const LAYOUTS: ReadonlyArray<{ readonly sizes: boolean; readonly bar: number }> = [
  { sizes: true, bar: 30 },
  { sizes: true, bar: 20 },
  { sizes: false, bar: 30 },
  { sizes: false, bar: 20 },
  { sizes: false, bar: 10 },
  { sizes: false, bar: 0 },
];

/** Keeps the end of a label (a path's file name) in `room` characters. */
function shorten(label: string, room: number): string {
  return label.length <= room ? label : `\u2026${label.slice(label.length - room + 1)}`;
}

function bar(fraction: number, size: number): string {
  const complete = Math.round(Math.min(1, Math.max(0, fraction)) * size);
  return `[${BAR_COMPLETE.repeat(complete)}${BAR_INCOMPLETE.repeat(size - complete)}]`;
}

/**
 * One progress line in at most `width - 1` columns (a line that fills the last
 * column makes some terminals wrap or erase its last character). Percent, speed,
 * time left and state always come first; the sizes, the bar and the label's start
 * are dropped or shortened to make room for them, and the line is cut only when
 * even those do not fit.
 */
export function progressLine(fields: LineFields, width: number): string {
  const room = Math.max(1, width - 1);
  const percent = `${String(Math.floor(Math.min(1, Math.max(0, fields.fraction)) * 100)).padStart(3)}%`;
  const rest = [fields.speed, `${fields.left} left`, fields.state];
  for (const layout of LAYOUTS) {
    const tail = [percent, ...(layout.sizes ? [fields.sizes] : []), ...rest].join(' | ');
    const body = layout.bar > 0 ? `${bar(fields.fraction, layout.bar)} ${tail}` : tail;
    const labelRoom = room - body.length - 1;
    if (labelRoom >= Math.min(LABEL_MIN, fields.label.length)) return `${shorten(fields.label, labelRoom)} ${body}`;
  }
  const bare = [percent, ...rest].join(' | ');
  return bare.length <= room ? bare : bare.slice(0, room);
}
