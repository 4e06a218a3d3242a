import { createReadStream } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import type { ChecksumAlgorithm } from '@frago/core';

/** One HTTP client for every target, so client cost is the same for all. */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Where an upload's bytes come from: a file streamed from disk, or a buffer in memory. */
export type UploadSource = { path: string } | { data: Buffer };

/** A request's body: a range of a file (streamed), or bytes in memory. */
export type RequestBody = Buffer | { path: string; start: number; end: number };

/** The body that carries bytes `start` to `end` (inclusive) of a source. */
export function rangeOf(source: UploadSource, start: number, end: number): RequestBody {
  return 'path' in source ? { path: source.path, start, end } : source.data.subarray(start, end + 1);
}

/** One answer: its status, headers, and its body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly json: Record<string, unknown>;
}

/** Sends one request; the body is a file range streamed from disk, a small buffer, or nothing. */
export function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: RequestBody,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (piece: Buffer) => pieces.push(piece));
      res.on('end', () => {
        const text = Buffer.concat(pieces).toString();
        const isJson = text !== '' && (res.headers['content-type'] ?? '').includes('json');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: isJson ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else createReadStream(body.path, { start: body.start, end: body.end, highWaterMark: 256 * 1024 }).pipe(req);
  });
}

function json(url: string, body: unknown) {
  return send(url, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
}

/** Timings of one upload: the whole upload and its finalize call alone, in milliseconds. */
export interface UploadTiming {
  readonly id: string;
  readonly totalMs: number;
  /** Null for a protocol with no finalize call (tus: the last PATCH completes the upload). */
  readonly finalizeMs: number | null;
}

/** A whole-file checksum for the server to verify at finalize. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  /** Lowercase hex. */
  readonly digest: string;
}

/** What a chunked upload is told: its chunk size, how many chunks at a time, the checksum to check at the end. */
export interface UploadOptions {
  readonly chunkSize: number;
  readonly parallel: number;
  readonly checksum?: Checksum;
  readonly onChunk?: () => void;
}

/**
 * Uploads `size` bytes of `path` (or `data`) to an API at `api` (frago's protocol, which
 * the bare baseline also speaks): start, chunks `parallel` at a time, finalize.
 */
export async function uploadFile(
  api: string,
  source: UploadSource,
  size: number,
  options: UploadOptions,
): Promise<UploadTiming> {
  const began = performance.now();
  const started = await json(`${api}/`, { filename: 'bench.bin', total_size: size, checksum_algo: options.checksum?.algorithm });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.json)}`);
  const id = String(started.json.upload_id);
  const ranges: Array<[number, number]> = [];
  for (let offset = 0; offset < size; offset += options.chunkSize) ranges.push([offset, Math.min(offset + options.chunkSize, size) - 1]);
  await Promise.all(
    Array.from({ length: options.parallel }, async () => {
      for (let range = ranges.shift(); range; range = ranges.shift()) {
        const [start, end] = range;
        const headers = {
          'content-type': 'application/octet-stream',
          'content-range': `bytes ${start}-${end}/${size}`,
          'content-length': String(end - start + 1),
        };
        const result = await send(`${api}/${id}/`, 'PUT', headers, rangeOf(source, start, end));
        if (result.status !== 200) throw new Error(`chunk failed: ${result.status} ${JSON.stringify(result.json)}`);
        options.onChunk?.();
      }
    }),
  );
  const finalizing = performance.now();
  const { checksum } = options;
  const done = await json(`${api}/${id}/`, checksum ? { checksum: checksum.digest, checksum_algo: checksum.algorithm } : {});
  if (done.status !== 201) throw new Error(`finalize failed: ${done.status} ${JSON.stringify(done.json)}`);
  const ended = performance.now();
  return { id, totalMs: ended - began, finalizeMs: ended - finalizing };
}
