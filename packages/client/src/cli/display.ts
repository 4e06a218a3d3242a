import { MultiBar, type Options, type Params } from 'cli-progress';
import type { Upload, UploadProgress } from '../index.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';
import { progressLine, type LineFields } from './progress-line.js';
import { RetryWatch } from './retry-watch.js';
import { wrap } from './wrap.js';

/** Shows uploads as they go and prints what the user must read. */
export interface Display {
  /** Follows an upload's progress under `label`. */
  track(label: string, upload: Upload): void;
  /** A line for the user (a result: stdout; anything else: stderr). */
  print(line: string, stream?: 'stdout' | 'stderr'): void;
  stop(): void;
}

function fraction(progress: UploadProgress): number {
  if (progress.totalBytes === 0) return progress.phase === 'complete' ? 1 : 0;
  return progress.confirmedBytes / progress.totalBytes;
}

function fields(label: string, progress: UploadProgress, retries: RetryWatch): LineFields {
  return {
    label,
    fraction: fraction(progress),
    sizes: `${formatBytes(progress.confirmedBytes)} of ${formatBytes(progress.totalBytes)}`,
    speed: formatSpeed(progress.bytesPerSecond),
    left: formatDuration(progress.secondsLeft),
    // The CLI stops on Ctrl-C through a signal, which keeps the upload to resume: not "cancelled".
    state: progress.phase === 'cancelled' ? 'interrupted' : retries.state(progress.phase),
  };
}

/** What each bar carries: its line, drawn for the terminal's width at the time. */
interface BarPayload {
  readonly render: (width: number) => string;
}

/** The terminal's width now (it follows resizes), 80 when the stream does not say. */
const columns = () => process.stderr.columns || 80;

/**
 * One line per file on a terminal (stderr), redrawn a few times a second. `json`:
 * results are JSON lines, printed whole (a wrapped one would not parse once copied).
 */
function barDisplay(json: boolean): Display {
  const bars = new MultiBar({
    // Drawn at every frame from the upload's state then and the width then, so a
    // countdown moves and a resized terminal gets lines that fit.
    format: (_options: Options, params: Params, payload: BarPayload) => payload.render(params.maxWidth),
    hideCursor: true,
    fps: 5,
  });
  return {
    track(label, upload) {
      const retries = new RetryWatch(upload);
      const payload: BarPayload = { render: (width) => progressLine(fields(label, upload.progress, retries), width) };
      bars.create(1, 0, payload);
    },
    print(line, stream = 'stdout') {
      // While bars are drawn, cli-progress prints lines above them; stdout to a file stays clean.
      if (stream === 'stdout' && !process.stdout.isTTY) process.stdout.write(`${line}\n`);
      else bars.log(`${json ? line : wrap(line, columns())}\n`);
    },
    stop() {
      // Draw once more so that lines logged since the last frame are not lost.
      bars.update();
      bars.stop();
    },
  };
}

/** Without a terminal: a progress line every few seconds and every retry on stderr (logs, CI). */
function lineDisplay(quiet: boolean, everyMs = 2000): Display {
  return {
    track(label, upload) {
      if (quiet) return;
      const retries = new RetryWatch(upload);
      let lastProgress = 0;
      let lastRetry = 0;
      upload.on('progress', (progress) => {
        const now = Date.now();
        if (now - lastProgress < everyMs || progress.phase !== 'uploading') return;
        lastProgress = now;
        const line = fields(label, progress, retries);
        process.stderr.write(`${label}: ${Math.floor(100 * line.fraction)}% (${line.sizes}) at ${line.speed}, ${line.left} left, ${line.state}\n`);
      });
      upload.on('retry', (info) => {
        // Chunks in flight tend to fail together: one line for them, not one each.
        const now = Date.now();
        if (info.range !== null && now - lastRetry < everyMs) return;
        lastRetry = now;
        process.stderr.write(`${label}: ${retries.state(upload.phase)}\n`);
      });
    },
    print(line, stream = 'stdout') {
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
    },
    stop: () => undefined,
  };
}

/** Bars on a terminal, plain lines elsewhere; `quiet` keeps only results; `json`: results are JSON lines. */
export function createDisplay(options: { quiet: boolean; json: boolean }): Display {
  return process.stderr.isTTY && !options.quiet ? barDisplay(options.json) : lineDisplay(options.quiet);
}
