// `pnpm bench`: frago against two anchors, a bare streaming server and @tus/server, on
// loopback, in one run; W1 and W2 both on disk and in memory (tmpfs). Settings are in
// lib/settings.ts and lib/places.ts; docs/benchmarks.md says how to read the tables.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { benchPlaces, DISK, type Place } from './lib/places.js';
import { WORKLOADS } from './lib/settings.js';
import { bigFileWorkload } from './workloads/big-file.js';
import { manyChunksWorkload } from './workloads/many-chunks.js';
import { memoryWorkload } from './workloads/memory.js';
import { smallFilesWorkload } from './workloads/small-files.js';

async function main(): Promise<void> {
  const began = performance.now();
  const places = await benchPlaces();
  // One folder per place for the source files the client reads, made when first needed.
  const works = new Map<Place, string>();
  const workIn = async (place: Place) => {
    const existing = works.get(place);
    if (existing !== undefined) return existing;
    const made = await mkdtemp(join(place.root, 'frago-bench-files-'));
    works.set(place, made);
    return made;
  };
  try {
    if (WORKLOADS.has('w1')) await bigFileWorkload(places, workIn);
    if (WORKLOADS.has('w3')) await memoryWorkload(await workIn(DISK));
    if (WORKLOADS.has('w2')) await smallFilesWorkload(places, workIn);
    if (WORKLOADS.has('w5')) await manyChunksWorkload(await workIn(DISK));
  } finally {
    for (const work of works.values()) await rm(work, { recursive: true, force: true });
  }
  console.log(`\nbench took ${((performance.now() - began) / 1000).toFixed(0)} s`);
}

await main();
