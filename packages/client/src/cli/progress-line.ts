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
const BAR_MIN = 10;
const BAR_MAX = 30;
/** Below this a shortened label says nothing about which file it is. */
const LABEL_MIN = 8;

/** Keeps the end of a label (a path's file name) in `room` characters. */
function shorten(label: string, room: number): string {
  return label.length <= room ? label : `\u2026${label.slice(label.length - room + 1)}`;
}

function bar(fraction: number, size: number): string {
  const complete = Math.round(fraction * size);
  return `[${BAR_COMPLETE.repeat(complete)}${BAR_INCOMPLETE.repeat(size - complete)}]`;
}

/**
 * One progress line in at most `width - 1` columns (a line that fills the last
 * column makes some terminals wrap or erase its last character). Percent, speed,
 * time left and state always show; what gives way to them, in order: the sizes, the
 * bar, the start of the label. Only when even those four do not fit is the line cut.
 */
export function progressLine(fields: LineFields, width: number): string {
  const room = Math.max(1, width - 1);
  const fraction = Math.min(1, Math.max(0, fields.fraction));
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  const tail = (sizes: boolean) => [percent, ...(sizes ? [fields.sizes] : []), fields.speed, `${fields.left} left`, fields.state].join(' | ');
  const label = fields.label;
  for (const sizes of [true, false]) {
    const barRoom = room - label.length - tail(sizes).length - 4;
    if (barRoom >= BAR_MIN) return `${label} ${bar(fraction, Math.min(BAR_MAX, barRoom))} ${tail(sizes)}`;
  }
  const bare = tail(false);
  const labelRoom = room - bare.length - 1;
  if (labelRoom >= Math.min(LABEL_MIN, label.length)) return `${shorten(label, labelRoom)} ${bare}`;
  return bare.slice(0, room);
}
