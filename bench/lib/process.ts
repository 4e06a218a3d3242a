import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100;

/** Extra Node.js flags for every server under test (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), from BENCH_SERVER_FLAGS. */
const SERVER_FLAGS = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);

/** A server under test, run as its own process so its memory and CPU can be read. */
export interface ServerProcess {
  readonly origin: string;
  readonly child: ChildProcess;
  /** Peak and current resident memory, in bytes (VmHWM, VmRSS). */
  memory(): Promise<{ peak: number; current: number }>;
  /**
   * User + system CPU seconds used so far, every thread's: as the server counts them
   * (`process.cpuUsage()`, in microseconds; the bench's servers answer over IPC), or
   * from /proc/<pid>/stat (in hundredths of a second) when it does not answer.
   */
  cpuSeconds(): Promise<number>;
  /**
   * The V8 heap in use after a full garbage collection, in bytes: what the process
   * really keeps, as opposed to what it has not collected yet. Asked with SIGUSR2, which
   * ends a server that does not handle it; null when no answer comes within 5 s.
   */
  heapAfterGc(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts `node <script> <args>` and waits for its `listening on URL` line. */
export async function startServer(script: string, args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--expose-gc', ...SERVER_FLAGS, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (piece: Buffer) => {
      output += piece.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
  const pid = child.pid as number;
  return {
    origin,
    child,
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
      return { peak: kib('VmHWM'), current: kib('VmRSS') };
    },
    async heapAfterGc() {
      const answer = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), 5000);
        let text = '';
        const listen = (piece: Buffer) => {
          text += piece.toString();
          const match = /heap after gc (\d+)/.exec(text);
          if (match?.[1] === undefined) return;
          clearTimeout(timer);
          child.stdout?.off('data', listen);
          resolve(Number(match[1]));
        };
        child.stdout?.on('data', listen);
      });
      child.kill('SIGUSR2');
      return answer;
    },
    async cpuSeconds() {
      return (await askedCpuSeconds(child)) ?? (await statCpuSeconds(pid));
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The CPU seconds the server says it used, or null when it does not answer within a second. */
async function askedCpuSeconds(child: ChildProcess): Promise<number | null> {
  if (!child.connected) return null;
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), 1000);
    const listen = (message: unknown) => {
      const seconds = (message as { cpuSeconds?: unknown } | null)?.cpuSeconds;
      if (typeof seconds === 'number') done(seconds);
    };
    const done = (seconds: number | null) => {
      clearTimeout(timer);
      child.off('message', listen);
      resolve(seconds);
    };
    child.on('message', listen);
    child.send('cpu?');
  });
}

/** User + system CPU seconds of `pid`, from /proc in clock ticks. */
async function statCpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
