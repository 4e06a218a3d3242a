import { MultiBar, Presets } from 'cli-progress';
import type { Upload, UploadProgress } from '../index.js';
import { formatBytes, formatDuration, formatSpeed } from './format.js';

/** Shows uploads as they go and prints what the user must read. */
export interface Display {
  /** Follows an upload's progress under `label`. */
  track(label: string, upload: Upload): void;
  /** A line for the user (a result: stdout; anything else: stderr). */
  print(line: string, stream?: 'stdout' | 'stderr'): void;
  stop(): void;
}

function describe(progress: UploadProgress, retrying: number): string {
  if (retrying > 0 && progress.phase === 'uploading') return `retrying (${retrying})`;
  return progress.phase;
}

function payload(label: string, progress: UploadProgress, retrying: number) {
  return {
    label,
    done: formatBytes(progress.confirmedBytes),
    size: formatBytes(progress.totalBytes),
    speed: formatSpeed(progress.bytesPerSecond),
    left: formatDuration(progress.secondsLeft),
    state: describe(progress, retrying),
  };
}

/** Counts chunks between a retry and their next success, to show "retrying" on the bar. */
function retryCounter(upload: Upload): () => number {
  const retrying = new Set<number>();
  upload.on('retry', (info) => info.range && retrying.add(info.range.start));
  upload.on('chunk', (chunk) => chunk.state === 'done' && retrying.delete(chunk.start));
  upload.on('phase', (phase) => phase !== 'uploading' && retrying.clear());
  return () => retrying.size;
}

/** One cli-progress bar per file, on a terminal (stderr). */
function barDisplay(): Display {
  const bars = new MultiBar(
    {
      format: '{label} [{bar}] {percentage}% | {done} of {size} | {speed} | {left} left | {state}',
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      barsize: 30,
      hideCursor: true,
      fps: 5,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  return {
    track(label, upload) {
      const start = upload.progress;
      const bar = bars.create(Math.max(1, start.totalBytes), 0, payload(label, start, 0));
      const retrying = retryCounter(upload);
      upload.on('progress', (progress) => {
        const value = progress.totalBytes === 0 && progress.phase === 'complete' ? 1 : progress.confirmedBytes;
        bar.update(value, payload(label, progress, retrying()));
      });
    },
    print(line, stream = 'stdout') {
      // While bars are drawn, cli-progress prints lines above them; stdout to a file stays clean.
      if (stream === 'stdout' && !process.stdout.isTTY) process.stdout.write(`${line}\n`);
      else bars.log(`${line}\n`);
    },
    stop() {
      // Draw once more so that lines logged since the last frame are not lost.
      bars.update();
      bars.stop();
    },
  };
}

/** Without a terminal: a progress line every few seconds on stderr (logs, CI). */
function lineDisplay(quiet: boolean, everyMs = 2000): Display {
  return {
    track(label, upload) {
      if (quiet) return;
      let last = 0;
      const retrying = retryCounter(upload);
      upload.on('progress', (progress) => {
        const now = Date.now();
        if (now - last < everyMs || progress.phase !== 'uploading') return;
        last = now;
        const { done, size, speed, left, state } = payload(label, progress, retrying());
        const percent = progress.totalBytes === 0 ? 100 : Math.floor((100 * progress.confirmedBytes) / progress.totalBytes);
        process.stderr.write(`${label}: ${percent}% (${done} of ${size}) at ${speed}, ${left} left, ${state}\n`);
      });
    },
    print(line, stream = 'stdout') {
      (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
    },
    stop: () => undefined,
  };
}

/** Bars on a terminal, plain lines elsewhere; `quiet` keeps only results. */
export function createDisplay(options: { quiet: boolean }): Display {
  return process.stderr.isTTY && !options.quiet ? barDisplay() : lineDisplay(options.quiet);
}
