import { createHash, randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { directUpload, type DirectOptions } from '../lib/direct-client.js';
import { randomFile, sourceFile, type SourceFile } from '../lib/files.js';
import { goal } from '../lib/goals.js';
import { DISK } from '../lib/places.js';
import { plainSdkUpload, s3Client, s3Endpoint } from '../lib/s3.js';
import { BIG, GiB, MiB, RUNS } from '../lib/settings.js';
import { withServer } from '../lib/target-run.js';
import { median, printTable } from '../lib/table.js';
import { frago, type Target } from '../lib/targets.js';

const PART = 8 * MiB;
const PARALLEL = 4;

/**
 * The default frago server (Express, SQLite, its checksum settings) with S3Storage on
 * `bucket` at `endpoint`: a direct upload finalized without a checksum is not read back.
 */
function directTarget(endpoint: string, bucket: string): Target {
  const base = frago('express', 'sqlite');
  return { ...base, name: 'frago express + sqlite, direct to S3', env: { ...base.env, FRAGO_S3_ENDPOINT: endpoint, FRAGO_S3_BUCKET: bucket } };
}

async function keys(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (const key of await keys(client, bucket)) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

/** Checks, outside the timing, that the bucket's one object ending in `suffix` is the source, byte for byte. */
async function verifyObject(client: S3Client, bucket: string, suffix: string, file: SourceFile): Promise<void> {
  const key = (await keys(client, bucket)).find((candidate) => candidate.endsWith(suffix));
  if (key === undefined) throw new Error(`no object ending in ${suffix} in the bucket`);
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  for await (const piece of object.Body as AsyncIterable<Uint8Array>) hash.update(piece);
  if (hash.digest('hex') !== file.md5) throw new Error(`${key} differs from the source`);
}

/**
 * Three ways @frago/client sends a direct upload: with no whole-file checksum and unbound
 * URLs in batches ahead of the parts (the way the targets are stated: the server signs
 * and keeps records, nothing more); the same with each part's URL bound to its MD5
 * (`partChecksums: true`: the store checks every part); and the client's defaults,
 * whose whole-file MD5 the server verifies by reading the object back.
 */
const VARIANTS = [
  { label: 'checksum: false', options: { parallel: PARALLEL, partChecksums: false, checksum: false }, goals: true, next: 3 },
  { label: 'checksum: false, partChecksums: true', options: { parallel: PARALLEL, partChecksums: true, checksum: false }, goals: false, next: 3 },
  { label: 'client defaults (whole-file MD5, read back)', options: { parallel: PARALLEL, partChecksums: false }, goals: false, next: 1 },
] as const satisfies ReadonlyArray<{ label: string; options: DirectOptions; goals: boolean; next: number }>;

interface DirectRun {
  /** Per variant, in the order of VARIANTS. */
  readonly frago: ReadonlyArray<FragoRun>;
  readonly sdkMbps: number;
}

/** What one frago server did with the big file: the first upload after its start, and the next one. */
interface FragoRun {
  /** The first upload's throughput. */
  readonly mbps: number;
  /** The server's CPU for the first upload: it also compiles the code the upload runs through (V8's optimizing compiler, on helper threads). */
  readonly firstCpuPerGiB: number;
  /** The server's CPU for the same upload again (the median of `next` more): signing and bookkeeping alone. */
  readonly nextCpuPerGiB: number;
}

/**
 * Big direct uploads of `file` through a fresh frago server, warmed with a one-part
 * direct upload (its modules loaded, its S3 client resolved): the first after the
 * start, then `next` more; each checked in the bucket and removed from it afterwards.
 */
async function fragoRun(
  client: S3Client,
  bucket: string,
  target: Target,
  file: SourceFile,
  warmUp: string,
  options: DirectOptions,
  next: number,
): Promise<FragoRun> {
  return withServer(target, DISK, async (server) => {
    const api = `${server.origin}/upload`;
    await directUpload(api, warmUp, options);
    await emptyBucket(client, bucket);
    const measured = async () => {
      const cpuBefore = await server.cpuSeconds();
      const timing = await directUpload(api, file.path, options);
      const cpu = (await server.cpuSeconds()) - cpuBefore;
      await verifyObject(client, bucket, '-bench.bin', file);
      await emptyBucket(client, bucket);
      return { mbps: file.size / MiB / (timing.totalMs / 1000), cpuPerGiB: (cpu * GiB) / file.size };
    };
    const first = await measured();
    const later = [];
    for (let i = 0; i < next; i += 1) later.push((await measured()).cpuPerGiB);
    return { mbps: first.mbps, firstCpuPerGiB: first.cpuPerGiB, nextCpuPerGiB: median(later) };
  });
}

/** One run: frago in each variant, then the plain SDK's multipart upload of the same file to the same server, so that all see the same load. */
async function directRun(client: S3Client, bucket: string, target: Target, file: SourceFile, warmUp: string): Promise<DirectRun> {
  const frago = [];
  for (const variant of VARIANTS) frago.push(await fragoRun(client, bucket, target, file, warmUp, variant.options, variant.next));
  const sdkMs = await plainSdkUpload(client, bucket, 'plain.bin', file.path, file.size, { partSize: PART, parallel: PARALLEL });
  await verifyObject(client, bucket, 'plain.bin', file);
  await emptyBucket(client, bucket);
  return { frago, sdkMbps: file.size / MiB / (sdkMs / 1000) };
}

/**
 * W1 direct: the big file in 8 MiB parts, 4 in parallel, sent by the client straight to
 * the S3 server with URLs frago signs, against the plain AWS SDK's multipart upload of
 * the same file to the same server in the same run. Needs the S3 server (scripts/s3.sh).
 */
export async function directS3Workload(work: string): Promise<void> {
  const endpoint = s3Endpoint();
  const client = s3Client(endpoint);
  const bucket = `frago-bench-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  console.log(
    `W1 direct: ${BIG / MiB} MiB to the S3 server at ${endpoint} by @frago/client, 8 MiB parts, 4 in parallel;` +
      ` each run a fresh server per row, warmed by a one-part upload, then the file again and again (the first upload after the start, and the median of the next 3, 1 when read back); median of ${RUNS} runs`,
  );
  try {
    const file = await sourceFile(await randomFile(work, BIG), BIG);
    const warmUp = await randomFile(work, PART);
    const target = directTarget(endpoint, bucket);
    const runs: DirectRun[] = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await directRun(client, bucket, target, file, warmUp));
    const rows = VARIANTS.map((variant, index) => ({
      label: variant.label,
      goals: variant.goals,
      mbps: median(runs.map((run) => run.frago[index]!.mbps)),
      overSdk: median(runs.map((run) => run.frago[index]!.mbps / run.sdkMbps)),
      firstCpuPerGiB: median(runs.map((run) => run.frago[index]!.firstCpuPerGiB)),
      nextCpuPerGiB: median(runs.map((run) => run.frago[index]!.nextCpuPerGiB)),
    }));
    printTable(
      ['target', 'MB/s', 'x SDK', 'server CPU s/GiB, first upload', 'next uploads'],
      [
        ['plain AWS SDK multipart upload', median(runs.map((run) => run.sdkMbps)).toFixed(0), '1.00', 'n/a', 'n/a'],
        ...rows.map((row) => [
          `${target.name}, ${row.label}`,
          row.mbps.toFixed(0),
          row.overSdk.toFixed(2),
          row.firstCpuPerGiB.toFixed(3),
          row.nextCpuPerGiB.toFixed(3),
        ]),
      ],
    );
    for (const row of rows.filter((candidate) => candidate.goals)) {
      goal({ what: `W1 direct to S3, ${row.label}, x the plain SDK`, measured: row.overSdk, bound: 0.9, kind: 'min' });
      goal({ what: `W1 direct to S3, ${row.label}, server CPU s/GiB (the next uploads)`, measured: row.nextCpuPerGiB, bound: 0.05, kind: 'max' });
    }
  } finally {
    await emptyBucket(client, bucket);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  }
}
