import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '@frago/conformance';
import { closedPort } from './support/closed-port.js';
import { startDefaultServer, type DefaultServer } from './support/default-server.js';
import { ROOT } from './support/server-process.js';
import { openTerminal, type Terminal } from './support/terminal.js';
import { keepText } from './support/test-output.js';

const CLI = join(ROOT, 'packages/client/dist/cli/main.js');
const MiB = 1024 * 1024;
const COLUMNS = 80;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as { version: string }).version;

/** The screen as one line: a message the CLI wrapped reads as the sentence it is. */
const flat = (screen: string) => screen.replace(/\s+/g, ' ');

describe(`the frago CLI in a ${COLUMNS}-column terminal`, () => {
  let server: DefaultServer;
  let proxy: FaultProxy;
  let state: string;
  let sources: string;
  const terminals: Terminal[] = [];

  /** Runs `frago ARGS` in a new 80 x 24 terminal, in the folder of the source files (a user names them there). */
  const frago = async (args: string[]) => {
    const terminal = await openTerminal([process.execPath, CLI, ...args], { columns: COLUMNS, rows: 24, cwd: sources, env: { FRAGO_URL: '' } });
    terminals.push(terminal);
    return terminal;
  };

  beforeAll(async () => {
    server = await startDefaultServer();
    state = join(server.dataDir, 'state.json');
    sources = dirname((await server.sourceFile('empty.bin', 0)).path);
    proxy = await startFaultProxy(server.origin);
  });
  afterEach(async () => {
    proxy.decide(() => 'pass');
    proxy.throttle(0);
    await Promise.all(terminals.splice(0).map((terminal) => terminal.close()));
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('shows percent, speed, time left and state within 80 columns mid-upload, and the whole resume hint after Ctrl-C', async () => {
    await server.sourceFile('holiday.mp4', 48 * MiB);
    proxy.throttle(4 * MiB);
    const terminal = await frago(['upload', 'holiday.mp4', '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state]);

    const time = String.raw`(?:\d+ s|\d+ min \d+ s)`;
    const progress = new RegExp(String.raw`[1-9]\d% \| [\d.]+ [KM]iB/s \| ${time} left \| uploading$`, 'm');
    const midUpload = await terminal.waitFor(progress);
    await keepText('cli-80-mid-upload.txt', midUpload);
    const bar = midUpload.split('\n').find((line) => progress.test(line))!;
    // Nothing was cut by the terminal: the line ends with the state, short of the last column.
    expect(bar.length).toBeLessThan(COLUMNS);
    expect(bar).toMatch(/^holiday\.mp4 \[[\u2588\u2591]+\] +\d+% \|/);
    expect(midUpload).toMatch(/holiday\.mp4: started upload [\w-]+/);

    await terminal.press('C-c');
    expect(await terminal.exited()).toBe(130);
    const afterCtrlC = await terminal.screen();
    await keepText('cli-80-after-ctrl-c.txt', afterCtrlC);
    expect(afterCtrlC.split('\n').every((line) => line.length < COLUMNS)).toBe(true);
    const id = /started upload ([\w-]+)/.exec(afterCtrlC)![1]!;
    expect(flat(afterCtrlC)).toContain(`holiday.mp4: interrupted at `);
    expect(flat(afterCtrlC)).toMatch(new RegExp(`interrupted at \\d+% \\(upload ${id}\\); run the same command again to resume`));
    expect(afterCtrlC).toMatch(/\d+% \| .+ left \| interrupted$/m);
  });

  it('follows a resize: narrower, the next frame still ends with percent, speed, time left and state', async () => {
    await server.sourceFile('resized.bin', 48 * MiB);
    proxy.throttle(4 * MiB);
    const terminal = await frago(['upload', 'resized.bin', '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state]);
    await terminal.waitFor(/[1-9]\d% \| .+ left \| uploading$/m);
    await terminal.resize(56, 24);
    const narrow = await terminal.waitFor(/^resized\.bin +\d+% \| [\d.]+ [KM]iB\/s \| .+ left \| uploading$/m);
    const line = narrow.split('\n').find((row) => /^resized\.bin +\d+%/.test(row))!;
    expect(line.length).toBeLessThan(56);
    await terminal.press('C-c');
    expect(await terminal.exited()).toBe(130);
  });

  it('shows a retry mid-upload with its cause, and goes on when the server answers again', async () => {
    await server.sourceFile('camera.raw', 48 * MiB);
    proxy.throttle(4 * MiB);
    const terminal = await frago(['upload', 'camera.raw', '--url', proxy.origin, '--chunk-size', '1MiB', '--parallel', '2', '--state', state]);
    await terminal.waitFor(/[1-9]\d% \| .+ left \| uploading$/m);
    proxy.decide((request) => (request.method === 'PUT' ? 'drop' : 'pass'));
    const retrying = await terminal.waitFor(/^camera\.raw .*\d+% \| .+ left \| retrying(?: in \d+ s)?: connection (?:reset|closed by the server)$/m);
    await keepText('cli-80-retrying-mid-upload.txt', retrying);
    proxy.decide(() => 'pass');
    proxy.throttle(0);
    expect(await terminal.exited()).toBe(0);
    const done = await terminal.screen();
    expect(done).toMatch(/camera\.raw: complete, upload [\w-]+/);
    expect(done).toMatch(/^camera\.raw .*100% \| .+ \| complete$/m);
  });

  it('shows the retry state with its cause while the server is down, and names the cause when it gives up', async () => {
    await server.sourceFile('report.pdf', MiB);
    const down = `http://127.0.0.1:${await closedPort()}`;
    const waiting = await frago(['upload', 'report.pdf', '--url', down, '--state', state]);
    const retrying = await waiting.waitFor(/retrying in \d+ s: connection refused$/m);
    await keepText('cli-80-server-down.txt', retrying);
    expect(retrying).toMatch(/^report\.pdf .*\d+% \| .+ left \| retrying in \d+ s: connection refused$/m);
    await waiting.press('C-c');
    expect(await waiting.exited()).toBe(130);
    expect(flat(await waiting.screen())).toContain('report.pdf: interrupted before the upload started; run the same command again to upload it');

    const givingUp = await frago(['upload', 'report.pdf', '--url', down, '--retries', '1', '--state', state]);
    expect(await givingUp.exited()).toBe(1);
    expect(flat(await givingUp.screen())).toContain(`report.pdf: failed (NETWORK): The request to ${new URL(down).host} failed: connection refused`);
  });

  it('prints its version, and says why a file cannot be read', async () => {
    for (const spelling of ['--version', '-V', 'version']) {
      const version = await frago([spelling]);
      expect(await version.exited()).toBe(0);
      expect(await version.screen()).toBe(`frago ${VERSION}`);
    }
    const missing = await frago(['upload', 'no-such.bin', '--url', server.origin, '--state', state]);
    expect(await missing.exited()).toBe(1);
    expect(await missing.screen()).toBe('frago: Cannot read no-such.bin: no such file');
    const folder = await frago(['upload', '.', '--url', server.origin, '--state', state]);
    expect(await folder.exited()).toBe(1);
    expect(await folder.screen()).toBe('frago: Cannot read .: is a directory');
  });
});
