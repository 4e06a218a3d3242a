import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeak } from '@frago/conformance';
import { defaultServerTarget, type CrashTarget } from '../support/crash-target.js';
import { scaleOutS3Target } from '../support/scale-out-target.js';
import { md5, request, uploadResumably, type Api, type UploadOutcome } from '../support/upload-client.js';

const MiB = 1024 * 1024;
const PER_WAVE = 10;
const KILLS_PER_WAVE = 6;
const FINALIZE_KILLS_PER_WAVE = 3;
/** Chunks each upload sends at once. */
const PARALLEL = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (low: number, high: number) => low + Math.floor(Math.random() * (high - low));

// Short leases, so that what a killed process held lapses by the time it is back.
const LEASES = { FRAGO_CLAIM_LEASE_MS: '1500', FRAGO_ASSEMBLY_LEASE_MS: '10000', FRAGO_BODY_IDLE_TIMEOUT_MS: '1000' };

/** How hard {@link describeCrashes} goes at a target. */
interface CrashLoad {
  /** Waves of {@link PER_WAVE} uploads; `FRAGO_CRASH_WAVES` overrides it. */
  readonly waves: number;
  /** File sizes, drawn between these (bytes), and never below one chunk more than {@link PARALLEL}. */
  readonly sizes: readonly [number, number];
  /** The chunk size of each upload, in turn. */
  readonly chunkSizes: readonly number[];
}

/**
 * The crash tests, against any {@link CrashTarget}: the default server, and several
 * scale-out processes on PostgreSQL and S3.
 */
function describeCrashes(name: string, open: (dataDir: string) => Promise<CrashTarget>, load: CrashLoad): void {
  const waves = Number(process.env.FRAGO_CRASH_WAVES ?? load.waves);
  describe(`crashes: ${name}`, () => {
    let dataDir: string;
    let target: CrashTarget;
    const leaks: string[] = [];
    const api: Api = {
      origin: () => target.origin(),
      onAnswer: (text) => {
        const leak = findLeak(text, [dataDir, ...target.secrets]);
        if (leak !== null) leaks.push(leak);
      },
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'frago-crash-'));
      target = await open(dataDir);
      await target.start();
    });
    afterAll(async () => {
      await target?.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it(`completes ${waves * PER_WAVE} uploads byte-identical while the server is SIGKILLed at random moments`, async () => {
      let kills = 0;
      let finalizeKills = 0;
      let restarting: Promise<void> | null = null;
      const active = new Map<string, number>();
      const killsSeen = new Map<string, number>();
      const crash = (): Promise<void> => {
        restarting ??= (async () => {
          kills += 1;
          for (const id of active.keys()) killsSeen.set(id, (killsSeen.get(id) ?? 0) + 1);
          await target.kill();
          await target.start();
          restarting = null;
        })();
        return restarting;
      };

      const outcomes: Array<UploadOutcome & { bytes: Uint8Array; filename: string }> = [];
      for (let wave = 0; wave < waves; wave += 1) {
        let firstChunks = 0;
        let done = 0;
        let finalizeKillsLeft = FINALIZE_KILLS_PER_WAVE;
        const files = Array.from({ length: PER_WAVE }, (_, i) => {
          const chunkSize = load.chunkSizes[i % load.chunkSizes.length] ?? MiB;
          // At least one chunk more than are sent at once, so that no upload can finish
          // between the wave's last first chunk and the first kill.
          const [low, high] = load.sizes;
          const least = (PARALLEL + 1) * chunkSize + 1;
          const size = between(Math.max(low, least), Math.max(high, least + chunkSize));
          return { bytes: new Uint8Array(randomBytes(size)), filename: `wave${wave}-${i}.bin`, chunkSize };
        });
        const killer = (async () => {
          // Once every upload of the wave has stored a chunk, kill at random moments
          // (a few times; a restart takes seconds) and let the rest finish.
          while (firstChunks < PER_WAVE && done < PER_WAVE) await sleep(5);
          await sleep(between(0, 50));
          await crash();
          for (let killed = 1; killed < KILLS_PER_WAVE && done < PER_WAVE; killed += 1) {
            await sleep(between(300, 2500));
            if (done < PER_WAVE) await crash();
          }
        })();
        const results = await Promise.all(
          files.map(async ({ bytes, filename, chunkSize }) => {
            const outcome = await uploadResumably(api, bytes, {
              filename,
              chunkSize,
              parallel: PARALLEL,
              deadlineMs: 240_000,
              onFirstChunk: (id) => {
                active.set(id, 1);
                firstChunks += 1;
              },
              onFinalize: () => {
                // Some finalize calls race a kill, which lands mid-finalize.
                if (finalizeKillsLeft > 0 && Math.random() < 0.5 && restarting === null) {
                  finalizeKillsLeft -= 1;
                  setTimeout(() => {
                    finalizeKills += 1;
                    void crash();
                  }, between(0, 40));
                }
              },
            });
            active.delete(outcome.id);
            done += 1;
            return { ...outcome, bytes, filename };
          }),
        );
        await killer;
        outcomes.push(...results);
      }
      await restarting;

      let networkErrors = 0;
      let finalizeLost = 0;
      let busy = 0;
      for (const outcome of outcomes) {
        // Reported complete only with the right checksum, and the file holds exactly the bytes sent.
        expect(outcome.final.body).toMatchObject({ status: true, checksum: md5(outcome.bytes) });
        const stored = await target.readCompleted(outcome.id, outcome.filename);
        expect(Buffer.from(stored).equals(Buffer.from(outcome.bytes)), outcome.filename).toBe(true);
        const view = await request(api, 'GET', `/${outcome.id}/`);
        expect(view.body).toMatchObject({ status: 'complete', missing: [] });
        networkErrors += outcome.networkErrors;
        finalizeLost += outcome.finalizeLost;
        busy += outcome.busy;
      }
      const survived = outcomes.filter((outcome) => (killsSeen.get(outcome.id) ?? 0) > 0).length;
      // Nothing but the finished files is left: no in-progress file, staged piece or open multipart upload.
      const leftovers = await target.leftovers();
      console.log(
        `[crash loop] ${target.name}: ${outcomes.length} uploads complete and byte-identical; ${kills} SIGKILLs ` +
          `(${finalizeKills} raced a finalize); ${survived} uploads lived through at least one kill, ` +
          `${Math.max(...outcomes.map((outcome) => killsSeen.get(outcome.id) ?? 0))} at most; ${networkErrors} requests cut by a kill, ` +
          `${finalizeLost} of them finalize calls; ${outcomes.filter((outcome) => outcome.busy > 0).length} uploads were left assembling ` +
          `by a killed process and completed once its lease ran out (${busy} finalize calls answered UPLOAD_BUSY meanwhile); ` +
          `${leftovers.length} leftovers in the storage`,
      );
      expect(outcomes.length).toBeGreaterThanOrEqual(20);
      expect(survived).toBeGreaterThanOrEqual(20);
      expect(leaks).toEqual([]);
      expect(leftovers).toEqual([]);
    });

    it('recovers an upload left assembling by a killed process once its assembly lease ran out', async () => {
      const bytes = new Uint8Array(randomBytes(48 * MiB));
      // Chunks sent from the end backwards: nothing is hashed on the way, so finalize
      // hashes the whole file and stays `assembling` long enough to be caught.
      const created = await request(api, 'POST', '/', JSON.stringify({ filename: 'big.bin', total_size: bytes.length }));
      const id = created.body.upload_id as string;
      for (let start = bytes.length - 4 * MiB; start >= 0; start -= 4 * MiB) {
        const answer = await request(api, 'PUT', `/${id}/`, bytes.subarray(start, start + 4 * MiB), {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${start + 4 * MiB - 1}/${bytes.length}`,
        });
        expect(answer.status).toBe(200);
      }
      const finalizing = request(api, 'POST', `/${id}/`, JSON.stringify({ checksum: md5(bytes) })).catch(() => 'killed' as const);
      let seen = '';
      while (seen !== 'assembling' && seen !== 'complete') {
        seen = (await request(api, 'GET', `/${id}/`)).body.status as string;
      }
      expect(seen, 'the finalize was too quick to be caught assembling').toBe('assembling');
      await target.kill();
      expect(await finalizing).toBe('killed');
      await target.start();
      const busy = await request(api, 'POST', `/${id}/`, JSON.stringify({ checksum: md5(bytes) }));
      expect(busy.body.error).toBe('UPLOAD_BUSY');
      expect((await request(api, 'GET', `/${id}/`)).body.status).toBe('assembling');
      let final = busy;
      for (let i = 0; i < 100 && final.status === 409; i += 1) {
        await sleep(100);
        final = await request(api, 'POST', `/${id}/`, JSON.stringify({ checksum: md5(bytes) }));
      }
      expect(final.status, final.text).toBe(201);
      expect(final.body.checksum).toBe(md5(bytes));
      expect(Buffer.from(await target.readCompleted(id, 'big.bin')).equals(Buffer.from(bytes))).toBe(true);
      expect(await target.leftovers()).toEqual([]);
    });
  });
}

describeCrashes('the default server', (dataDir) => defaultServerTarget(dataDir, LEASES), {
  waves: 3,
  sizes: [2 * MiB, 8 * MiB],
  chunkSizes: [256 * 1024],
});
// Chunks of whole 5 MiB parts stream into the multipart upload; 1 MiB chunks are staged and joined at finalize.
describeCrashes('three scale-out processes, PostgreSQL and S3', () => scaleOutS3Target(3, LEASES), {
  waves: 2,
  sizes: [3 * MiB, 12 * MiB],
  chunkSizes: [5 * MiB, MiB],
});
