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

/**
 * A direct upload through frago's API at `api`, as @frago/client makes it: start with
 * `direct: true`, ask `POST /upload/:id/parts` for URLs `batch` parts at a time as the
 * parts come up, PUT each part straight to the store `parallel` at a time, finalize
 * without a whole-file checksum (the server then spends no CPU per byte).
 */
export async function directUpload(api: string, source: UploadSource, size: number, options: { readonly parallel: number; readonly batch: number }): Promise<UploadTiming> {
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
