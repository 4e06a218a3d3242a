import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const tmux = promisify(execFile);

/**
 * A program running in a real terminal of a fixed size: a tmux pane, which interprets
 * the program's escape codes as a user's terminal does, so `screen()` is what the
 * user would read (lines cut by the terminal included), not the raw byte stream.
 */
export interface Terminal {
  /** The screen and what scrolled off it, one line per row, without trailing blanks or tmux's own notes. */
  screen(): Promise<string>;
  /** Waits until the screen matches `pattern` and returns it; fails with the last screen after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Types a key as tmux names it (`C-c` is Ctrl-C: the terminal sends SIGINT to the program). */
  press(key: string): Promise<void>;
  /** Resizes the terminal, as a user dragging its window's edge (the program gets SIGWINCH). */
  resize(columns: number, rows: number): Promise<void>;
  /** Waits for the program to end and returns its exit status. */
  exited(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Options of {@link openTerminal}. */
export interface TerminalOptions {
  readonly columns: number;
  readonly rows: number;
  readonly cwd: string;
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
}

const POLL_MS = 100;
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** Runs `argv` (no shell) in a new terminal of `columns` x `rows`, with its own tmux server. */
export async function openTerminal(argv: readonly string[], options: TerminalOptions): Promise<Terminal> {
  const folder = await mkdtemp(join(tmpdir(), 'frago-terminal-'));
  const config = join(folder, 'tmux.conf');
  // The pane stays after the program ends so its last screen and exit status can be read;
  // no status line, so the program has every row.
  await writeFile(config, 'set -g remain-on-exit on\nset -g status off\n');
  const socket = join(folder, 'socket');
  const env = { ...process.env, ...options.env };
  const run = async (...args: string[]) => (await tmux('tmux', ['-S', socket, '-f', config, ...args], { env })).stdout;
  // tmux loses the exit status of a program that ends very soon after it starts, so a
  // shell writes it down. Its trap keeps it alive through Ctrl-C (the program, in the
  // same foreground group, gets the SIGINT too) without ignoring SIGINT in the program.
  const statusFile = join(folder, 'status');
  const record = 'trap : INT; "$@"; echo $? > "$0.part"; mv "$0.part" "$0"';
  await run('new-session', '-d', '-s', 'cli', '-x', String(options.columns), '-y', String(options.rows), '-c', options.cwd, '--', 'sh', '-c', record, statusFile, ...argv);

  const screen = async () => {
    // With the scrollback (`-S -`): when the program ends, tmux scrolls the screen to
    // write its own note at the bottom, which would push the first line out of view.
    const rows = (await run('capture-pane', '-p', '-S', '-', '-t', 'cli')).split('\n').filter((line) => !/^Pane is dead/.test(line));
    while (rows.length > 0 && rows[rows.length - 1]!.trim() === '') rows.pop();
    return rows.map((line) => line.trimEnd()).join('\n');
  };
  const dead = async () => {
    const status = await readFile(statusFile, 'utf8').catch(() => null);
    return status === null ? null : Number(status.trim());
  };
  return {
    screen,
    async waitFor(pattern, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = await screen();
        if (pattern.test(now)) return now;
        if (Date.now() > until) throw new Error(`The screen never matched ${pattern}; it shows:\n${now}`);
        await sleep(POLL_MS);
      }
    },
    async press(key) {
      await run('send-keys', '-t', 'cli', key);
    },
    async resize(columns, rows) {
      await run('resize-window', '-t', 'cli', '-x', String(columns), '-y', String(rows));
    },
    async exited(timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const status = await dead();
        if (status !== null) return status;
        if (Date.now() > until) throw new Error(`The program still runs after ${timeoutMs} ms; the screen shows:\n${await screen()}`);
        await sleep(POLL_MS);
      }
    },
    async close() {
      await run('kill-server').catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
    },
  };
}
