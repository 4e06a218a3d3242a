import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@frago/conformance';
import { bitwiseCrc32c, bitwiseCrc64nvme } from './support/bitwise-crc.js';
import { closedPort } from './support/closed-port.js';
import { startDefaultServer, type DefaultServer } from './support/default-server.js';
import { ROOT } from './support/server-process.js';

const CLI = join(ROOT, 'packages/client/dist/cli/main.js');
const MiB = 1024 * 1024;
const hash = (algorithm: string, bytes: Uint8Array) => createHash(algorithm).update(bytes).digest('hex');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would; `during` may act on the running process; `as` runs it through a command (`setpriv ...`). */
function frago(args: string[], during?: (child: ReturnType<typeof spawn>, output: () => string) => void, as: readonly string[] = []): Promise<Run> {
  const [command, ...rest] = [...as, process.execPath, CLI, ...args];
  const child = spawn(command!, rest, { cwd: ROOT, env: { ...process.env, FRAGO_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (piece: Buffer) => (stdout += piece.toString()));
  child.stderr.on('data', (piece: Buffer) => (stderr += piece.toString()));
  during?.(child, () => stdout);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('the frago CLI against the default server process', () => {
  let server: DefaultServer;
  let proxy: FaultProxy;
  let state: string;

  const file = (name: string, size: number) => server.sourceFile(name, size);
  const assembled = (uploadId: string, name: string) => server.assembled(uploadId, name);
  const ids = (output: string) => [...output.matchAll(/complete, upload ([\w-]+)/g)].map((match) => match[1]!);
  const startedId = (output: string) => /started upload ([\w-]+)/.exec(output)![1]!;

  /** Presses Ctrl-C (SIGINT) once the server holds `bytes` of the upload the CLI started (the `nth` one, from 0). */
  const interruptAt = (bytes: number, nth = 0) => (child: ReturnType<typeof spawn>, stdout: () => string) => {
    const timer = setInterval(async () => {
      const id = [...stdout().matchAll(/started upload ([\w-]+)/g)][nth]?.[1];
      if (!id) return;
      const status = (await (await fetch(`${server.origin}/upload/${id}/`)).json()) as { received_bytes: number };
      if (status.received_bytes >= bytes) {
        clearInterval(timer);
        child.kill('SIGINT');
      }
    }, 100);
    child.on('close', () => clearInterval(timer));
  };

  beforeAll(async () => {
    server = await startDefaultServer();
    state = join(server.dataDir, 'state.json');
    proxy = await startFaultProxy(server.origin);
  });
  afterEach(() => {
    proxy.decide(() => 'pass');
    proxy.throttle(0);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('has --help for every command, and exits 2 on a usage error', async () => {
    const top = await frago(['--help']);
    expect(top).toMatchObject({ code: 0 });
    expect(top.stdout).toContain('Usage: frago COMMAND');
    for (const command of ['upload', 'status', 'abort']) {
      const help = await frago([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: frago ${command}`);
      expect(help.stdout).toContain('--url URL');
    }
    const usage = await frago(['upload', '--url', server.origin]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Run 'frago upload --help'");
    expect((await frago(['upload', 'x', '--url', server.origin, '--checksum', 'crc32'])).code).toBe(2);
    expect((await frago(['upload', 'x'])).stderr).toContain('--url is required');
  });

  it('uploads several files with the options given, prints their ids and results', async () => {
    const one = await file('one.bin', 5 * MiB + 3);
    const two = await file('two.bin', 0);
    const run = await frago([
      'upload', one.path, two.path, '--url', server.origin, '--chunk-size', '1MiB', '--parallel', '3',
      '--checksum', 'sha256', '--header', 'X-Trace: cli-test', '--state', state,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`started upload`);
    expect(run.stdout).toContain(`sha256 ${hash('sha256', one.bytes)} verified`);
    expect(run.stdout).toContain(`sha256 ${hash('sha256', two.bytes)} verified`);
    const [first, second] = ids(run.stdout);
    expect((await assembled(first!, 'one.bin')).equals(one.bytes)).toBe(true);
    expect((await assembled(second!, 'two.bin')).length).toBe(0);
    expect(JSON.parse(await readFile(state, 'utf8'))).toEqual({ version: 1, uploads: {} });

    const status = await frago(['status', first!, '--url', `${server.origin}/upload`, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ upload_id: first, status: 'complete', total_size: one.bytes.length, checksum_algo: 'sha256' });
    expect((await frago(['status', first!, '--url', server.origin])).stdout).toMatch(/status\s+complete/);
  });

  it('sends a file smaller than one chunk in one request: the server sees one POST and holds the exact bytes', async () => {
    const small = await file('small.bin', 200 * 1024);
    const before = proxy.log.length;
    const run = await frago(['upload', small.path, '--url', proxy.origin, '--checksum', 'sha256', '--state', state]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`sha256 ${hash('sha256', small.bytes)} verified`);
    const seen = proxy.log.slice(before);
    expect(seen.map((request) => `${request.method} ${request.url} ${request.status}`)).toEqual(['POST /upload/ 201']);
    expect(seen[0]?.headers['upload-complete']).toBe('?1');
    const [id] = ids(run.stdout);
    expect((await assembled(id!, 'small.bin')).equals(small.bytes)).toBe(true);
  });

  it('computes crc32c and crc64nvme as the server combines them from parallel chunks', async () => {
    const one = await file('crc.bin', 1 * MiB + 1);
    for (const [algorithm, crc] of [
      ['crc32c', bitwiseCrc32c],
      ['crc64nvme', bitwiseCrc64nvme],
    ] as const) {
      const run = await frago(['upload', one.path, '--url', server.origin, '--chunk-size', '256KiB', '--parallel', '4', '--checksum', algorithm, '--state', state]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${algorithm} ${crc(one.bytes)} verified`);
      expect((await assembled(ids(run.stdout)[0]!, 'crc.bin')).equals(one.bytes)).toBe(true);
    }
  });

  it('aborts an unfinished upload, and fails with the reason for an unknown one', async () => {
    const started = await fetch(`${server.origin}/upload/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'left.bin', total_size: 10 }),
    });
    const { upload_id: id } = (await started.json()) as { upload_id: string };
    const aborted = await frago(['abort', id, '--url', server.origin]);
    expect(aborted).toMatchObject({ code: 0, stdout: `aborted upload ${id}\n` });
    const gone = await frago(['status', id, '--url', server.origin]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('UPLOAD_ABORTED');
    const unknown = await frago(['abort', '0f0f0f0f-0000-4000-8000-000000000000', '--url', server.origin]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UPLOAD_NOT_FOUND');
  });

  it('exits 1 and says why when an upload fails', async () => {
    const { path } = await file('corrupt.bin', 3 * MiB);
    proxy.decide((request) => (request.method === 'PUT' ? 'corrupt' : 'pass'));
    const run = await frago(['upload', path, '--url', proxy.origin, '--chunk-size', '1MiB', '--state', state]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('corrupt.bin: failed (CHECKSUM_MISMATCH)');
    const down = await closedPort();
    const unreachable = await frago(['upload', path, '--url', `http://127.0.0.1:${down}`, '--retries', '1', '--state', state]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('corrupt.bin: retrying in 1 s: connection refused');
    expect(unreachable.stderr).toContain(`corrupt.bin: failed (NETWORK): The request to 127.0.0.1:${down} failed: connection refused`);
    proxy.decide((request) => (request.method === 'PUT' ? 'unavailable' : 'pass'));
    // Its own state file: the failed upload stays remembered there, to be resumed.
    const kept = join(server.dataDir, 'kept-state.json');
    const unavailable = await frago(['upload', path, '--url', proxy.origin, '--chunk-size', '1MiB', '--retries', '1', '--state', kept]);
    expect(unavailable.code).toBe(1);
    expect(unavailable.stderr).toContain('corrupt.bin: retrying in 1 s: server error (HTTP 503 REPOSITORY_FAILED)');
    expect(unavailable.stderr).toMatch(/corrupt\.bin: failed \(REPOSITORY_FAILED\): .+ \[upload [\w-]+\]; run the same command again to resume/);
    const failedId = /\[upload ([\w-]+)\]/.exec(unavailable.stderr)![1]!;
    expect(Object.values(JSON.parse(await readFile(kept, 'utf8')).uploads)).toEqual([expect.objectContaining({ uploadId: failedId })]);
    const status = await frago(['status', 'some-id', '--url', `http://127.0.0.1:${down}`, '--retries', '1']);
    expect(status).toMatchObject({
      code: 1,
      stderr: `frago: retrying in 1 s: connection refused\nfrago: The request to 127.0.0.1:${down} failed: connection refused (NETWORK)\n`,
    });
  });

  it('stops on Ctrl-C and resumes where it stopped when run again', async () => {
    const { path, bytes } = await file('interrupted.bin', 24 * MiB);
    const args = ['upload', path, '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state];
    proxy.throttle(8 * MiB);
    const interrupted = await frago(args, interruptAt(4 * MiB));
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted\.bin: interrupted at \d+% \(upload [\w-]+\); run the same command again to resume/);
    const id = startedId(interrupted.stdout);
    expect(Object.values(JSON.parse(await readFile(state, 'utf8')).uploads)).toEqual([expect.objectContaining({ uploadId: id, chunkSize: MiB })]);

    proxy.throttle(0);
    const before = proxy.log.length;
    const resumed = await frago(args);
    expect(resumed.code).toBe(0);
    // What the server held when the second run began (a chunk in flight at Ctrl-C may have landed after it).
    const held = new RegExp(`resuming upload ${id} \\(([\\d.]+) MiB of 24\\.00 MiB already on the server\\)`).exec(resumed.stdout);
    const received = Number(held?.[1]) * MiB;
    expect(received).toBeGreaterThanOrEqual(4 * MiB);
    expect(received).toBeLessThan(bytes.length);
    expect(resumed.stdout).toContain(`complete, upload ${id}`);
    expect(resumed.stdout).toContain(`md5 ${hash('md5', bytes)} verified`);
    const sent = proxy.log.filter((request) => request.index >= before && request.method === 'PUT');
    expect(sent.length).toBe((bytes.length - received) / MiB);
    expect((await assembled(id, 'interrupted.bin')).equals(bytes)).toBe(true);
  });
  it('--fresh aborts the remembered upload and remembers the new one: Ctrl-C after --fresh resumes without it', async () => {
    const { path, bytes } = await file('fresh.bin', 24 * MiB);
    const args = ['upload', path, '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state];
    proxy.throttle(8 * MiB);
    const first = await frago(args, interruptAt(2 * MiB));
    expect(first.code).toBe(130);
    const abandoned = startedId(first.stdout);

    const fresh = await frago([...args, '--fresh'], interruptAt(2 * MiB));
    expect(fresh.code).toBe(130);
    expect(fresh.stdout).toContain(`fresh.bin: aborted the remembered upload ${abandoned}; starting over`);
    const id = startedId(fresh.stdout);
    expect(id).not.toBe(abandoned);
    expect(fresh.stderr).toMatch(new RegExp(`fresh\\.bin: interrupted at \\d+% \\(upload ${id}\\); run the same command without --fresh to resume`));
    expect((await fetch(`${server.origin}/upload/${abandoned}/`)).status).toBe(410);

    proxy.throttle(0);
    const resumed = await frago(args);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`fresh\\.bin: resuming upload ${id} \\([\\d.]+ MiB of 24\\.00 MiB already on the server\\)`));
    expect(resumed.stdout).toContain(`complete, upload ${id}`);
    expect((await assembled(id, 'fresh.bin')).equals(bytes)).toBe(true);
  });

  it('prints its version and says why a file cannot be read', async () => {
    const version = await frago(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `frago ${JSON.parse(await readFile(join(ROOT, 'packages/client/package.json'), 'utf8')).version}\n` });
    const missing = await frago(['upload', 'no-such.bin', '--url', server.origin, '--state', state]);
    expect(missing).toMatchObject({ code: 1, stderr: 'frago: Cannot read no-such.bin: no such file\n' });
    const folder = await frago(['upload', server.dataDir, '--url', server.origin, '--state', state]);
    expect(folder).toMatchObject({ code: 1, stderr: `frago: Cannot read ${server.dataDir}: is a directory\n` });
    const locked = join(await mkdtemp(join(tmpdir(), 'frago-locked-')), 'locked.bin');
    await writeFile(locked, 'secret');
    await chmod(dirname(locked), 0o755);
    await chmod(locked, 0o000);
    // root reads any file: drop to nobody, as a user without the right to read it.
    const unprivileged = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const denied = await frago(['upload', locked, '--url', server.origin, '--state', state], undefined, unprivileged);
    expect(denied).toMatchObject({ code: 1, stderr: `frago: Cannot read ${locked}: permission denied\n` });
    await rm(dirname(locked), { recursive: true, force: true });
  });
  it('after Ctrl-C in a run of several files, the hint leaves out the files already uploaded', async () => {
    const small = await file('small.bin', MiB);
    const large = await file('large.bin', 24 * MiB);
    const args = ['upload', small.path, large.path, '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state];
    proxy.throttle(8 * MiB);
    const run = await frago(args, interruptAt(2 * MiB, 1));
    expect(run.code).toBe(130);
    expect(run.stdout).toContain('small.bin: complete');
    expect(run.stderr).toMatch(
      new RegExp(`large\\.bin: interrupted at \\d+% \\(upload [\\w-]+\\); run the same command without ${small.path} \\(uploaded\\) to resume`),
    );
  });
});

