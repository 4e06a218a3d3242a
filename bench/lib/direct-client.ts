import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { rangeOf, send, type UploadSource, type UploadTiming } from './client.js';
import { inParallel } from './s3.js';

interface SignedPart {
  readonly part: number;
  readonly url: string;
  readonly headers: Record<string, string>;
}

function post(url: string, body: unknown) {
  return send(url, 'POST', { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
}

/** How a direct upload asks for its URLs. */
export interface DirectOptions {
  readonly parallel: number;
  /** Unbound URLs asked for at once, ahead of the parts. */
  readonly batch: number;
  /**
   * True: as @frago/client does by default (`partChecksums`), each part is read into
   * memory and hashed, and its URL, asked for when the part is ready, is bound to its
   * MD5 (`Content-MD5`, which the store checks). False: URLs in batches, unbound.
   */
  readonly partMd5: boolean;
}

/** The bytes of part `[start, end]` of a file, read into memory, and their MD5 in base64. */
async function digestedPart(path: string, start: number, end: number): Promise<{ bytes: Buffer; md5: string }> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(end - start + 1);
    const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, start);
    if (bytesRead !== bytes.byteLength) throw new Error(`short read of ${path} at ${start}`);
    return { bytes, md5: createHash('md5').update(bytes).digest('base64') };
  } finally {
    await handle.close();
  }
}

/**
 * A direct upload through frago's API at `api`, as @frago/client makes it: start with
 * `direct: true`, ask `POST /upload/:id/parts` for URLs (see {@link DirectOptions}), PUT
 * each part straight to the store `parallel` at a time, finalize without a whole-file
 * checksum (the server then spends no CPU per byte).
 */
export async function directUpload(api: string, source: UploadSource, size: number, options: DirectOptions): Promise<UploadTiming> {
  const began = performance.now();
  const started = await post(`${api}/`, { filename: 'bench.bin', total_size: size, direct: true });
  const direct = started.json.direct as { part_size: number; part_count: number } | null | undefined;
  if (started.status !== 201 || !direct) throw new Error(`direct start failed: ${started.status} ${JSON.stringify(started.json)}`);
  const id = String(started.json.upload_id);
  const batches = new Map<number, Promise<Map<number, SignedPart>>>();
  const signed = async (part: number): Promise<SignedPart> => {
    const first = Math.floor((part - 1) / options.batch) * options.batch + 1;
    let batch = batches.get(first);
    if (batch === undefined) {
      const parts = Array.from({ length: Math.min(options.batch, direct.part_count - first + 1) }, (_, n) => first + n);
      batch = post(`${api}/${id}/parts`, { parts }).then((answer) => {
        if (answer.status !== 200) throw new Error(`signing failed: ${answer.status} ${JSON.stringify(answer.json)}`);
        return new Map((answer.json.parts as SignedPart[]).map((entry) => [entry.part, entry]));
      });
      batches.set(first, batch);
    }
    const url = (await batch).get(part);
    if (url === undefined) throw new Error(`part ${part} was not signed`);
    return url;
  };
  await inParallel(direct.part_count, options.parallel, async (index) => {
    const start = index * direct.part_size;
    const end = Math.min(start + direct.part_size, size) - 1;
    if (options.partMd5) {
      if (!('path' in source)) throw new Error('part MD5s are read from a file');
      const { bytes, md5 } = await digestedPart(source.path, start, end);
      const answer = await post(`${api}/${id}/parts`, { parts: [{ part: index + 1, md5 }] });
      const part = (answer.json.parts as SignedPart[] | undefined)?.[0];
      if (answer.status !== 200 || part === undefined) throw new Error(`signing failed: ${answer.status} ${JSON.stringify(answer.json)}`);
      const sent = await send(part.url, 'PUT', part.headers, bytes);
      if (sent.status !== 200) throw new Error(`part ${index + 1}: ${sent.status}`);
      return;
    }
    const { url, headers } = await signed(index + 1);
    const sent = await send(url, 'PUT', headers, rangeOf(source, start, end));
    if (sent.status !== 200) throw new Error(`part ${index + 1}: ${sent.status}`);
  });
  const finalizing = performance.now();
  const done = await post(`${api}/${id}/`, {});
  if (done.status !== 201) throw new Error(`finalize failed: ${done.status} ${JSON.stringify(done.json)}`);
  const ended = performance.now();
  return { id, totalMs: ended - began, finalizeMs: ended - finalizing };
}
