import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A server started as its own process, as a user would run it. */
export interface ServerProcess {
  readonly origin: string;
  readonly child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited, by itself or not. */
  exited(): Promise<number | null>;
}

/** How to run the script: the runtime's own flags before it, arguments after it, and where (the repository root by default). */
export interface ServerProcessArgs {
  /** The runtime's executable. Default: the Node.js running the tests. */
  readonly command?: string;
  readonly nodeArgs?: readonly string[];
  readonly args?: readonly string[];
  readonly cwd?: string;
}

/**
 * Runs `node <script>` (or another runtime) with `env` and waits until it prints the address it listens on
 * (`listening on http://HOST:PORT`). Fails with its output if it exits first.
 */
export async function startServerProcess(script: string, env: Record<string, string>, run: ServerProcessArgs = {}): Promise<ServerProcess> {
  const argv = [...(run.nodeArgs ?? []), script, ...(run.args ?? [])];
  const child = spawn(run.command ?? process.execPath, argv, { cwd: run.cwd ?? ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (piece: Buffer) => (output += piece.toString()));
  child.stderr?.on('data', (piece: Buffer) => (output += piece.toString()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const exit = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    origin,
    child,
    output: () => output,
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      // A process killed by a signal has no exit code, only a signal code.
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
