// The benchmark's settings, from the environment: BENCH_SCOPE, BENCH_RUNS, BENCH_BIG_MIB,
// BENCH_HUGE_MIB, BENCH_SMALL_COUNT, BENCH_MANY_CHUNKS, BENCH_WORKLOADS (and BENCH_PLACES,
// in places.ts; BENCH_TARGETS, in targets.ts).
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/**
 * `goals` (the default): the rows the issues' targets are stated against, two runs each,
 * so that one `pnpm bench` prints every target's ratio in about ten minutes on a 2-core
 * machine. `full` (`pnpm bench:full`): every row (each adapter and driver, every variant),
 * three runs each.
 */
export const SCOPE: 'goals' | 'full' = process.env.BENCH_SCOPE === 'full' ? 'full' : 'goals';
export const RUNS = env('BENCH_RUNS', SCOPE === 'full' ? 3 : 2);
export const BIG = env('BENCH_BIG_MIB', 1024) * MiB;
export const HUGE = env('BENCH_HUGE_MIB', 4096) * MiB;
export const SMALL_COUNT = env('BENCH_SMALL_COUNT', 1000);
export const SMALL_SIZE = 64 * 1024;
export const MANY_CHUNKS = env('BENCH_MANY_CHUNKS', 16384);
export const MANY_CHUNK_SIZE = 16 * 1024;
export const WORKLOADS = new Set((process.env.BENCH_WORKLOADS ?? 'w1,w1-direct,w3,w2,w5').split(','));

/** The results of RUNS runs, one after another. */
export async function repeat<T>(run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < RUNS; i += 1) results.push(await run());
  return results;
}
