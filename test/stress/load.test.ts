import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultServerTarget, type CrashTarget } from '../support/crash-target.js';
import { uploadResumably, type Api } from '../support/upload-client.js';

// CI runs a shorter load; the figures to quote come from FRAGO_LOAD_SECONDS=60.
const SECONDS = Number(process.env.FRAGO_LOAD_SECONDS ?? 20);
const CONCURRENT = Number(process.env.FRAGO_LOAD_UPLOADS ?? 200);
const CUT_RATE = 0.01;
const KiB = 1024;
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * KiB;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

describe('load: the default server (Express + SQLite + disk)', () => {
  let dataDir: string;
  let target: CrashTarget | undefined;
  afterAll(async () => {
    await target?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps ${CONCURRENT} concurrent uploads intact for ${SECONDS} s with ${CUT_RATE * 100}% of chunks cut mid-body`, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'frago-load-'));
    target = await defaultServerTarget(dataDir);
    await target.start();
    const server = target;
    const pid = server.pids()[0] as number;
    const api: Api = { origin: server.origin };
    const latencies: number[] = [];
    const memory: Array<{ at: number; rss: number }> = [];
    const began = Date.now();
    const endAt = began + SECONDS * 1000;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        memory.push({ at: Date.now() - began, rss: await rss(pid) });
        await sleep(1000);
      }
    })();

    let completed = 0;
    let bytesSent = 0;
    let cut = 0;
    let corrupted = 0;
    await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, worker) => {
        for (let n = 0; Date.now() < endAt; n += 1) {
          const bytes = new Uint8Array(randomBytes(between(128 * KiB, 2048 * KiB)));
          const filename = `w${worker}-${n}.bin`;
          const outcome = await uploadResumably(api, bytes, { filename, chunkSize: 256 * KiB, parallel: 1, cutRate: CUT_RATE, onChunk: (ms) => latencies.push(ms), deadlineMs: 300_000 });
          const stored = await server.readCompleted(outcome.id, filename);
          if (!Buffer.from(stored).equals(Buffer.from(bytes))) corrupted += 1;
          await unlink(join(dataDir, 'assembled', `${outcome.id}-${filename}`));
          completed += 1;
          bytesSent += bytes.length;
          cut += outcome.cut;
        }
      }),
    );
    const elapsed = (Date.now() - began) / 1000;
    sampling = false;
    await sampler;

    latencies.sort((a, b) => a - b);
    const warm = memory.filter((sample) => sample.at >= (SECONDS * 1000) / 4);
    const warmRss = warm[0]?.rss ?? 0;
    const peakRss = Math.max(...warm.map((sample) => sample.rss));
    const endRss = warm[warm.length - 1]?.rss ?? 0;
    console.log(
      `[load] ${CONCURRENT} concurrent uploads for ${SECONDS} s (${elapsed.toFixed(1)} s with the last uploads finishing): ` +
        `${completed} uploads complete and byte-identical (${mib(bytesSent)}, ${(bytesSent / 2 ** 20 / elapsed).toFixed(1)} MiB/s), ` +
        `${latencies.length} chunks stored, ${cut} cut mid-body and resent, ${corrupted} corrupted; ` +
        `chunk latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms; ` +
        `server RSS after warm-up ${mib(warmRss)}, peak ${mib(peakRss)}, at the end ${mib(endRss)} ` +
        `(samples: ${memory.map((sample) => Math.round(sample.rss / 2 ** 20)).join(' ')})`,
    );
    expect(corrupted).toBe(0);
    expect(completed).toBeGreaterThanOrEqual(CONCURRENT);
    expect(cut).toBeGreaterThan(0);
    // Memory must not grow with the number of chunks served: a leak per chunk would be hundreds of MiB here.
    expect(endRss).toBeLessThan(warmRss * 2 + 64 * 2 ** 20);
  });
});
