import { FragoClient } from '@frago/client';
import { fileSource } from '@frago/client/node';
import type { UploadTiming } from './client.js';

/** How @frago/client sends a direct upload. */
export interface DirectOptions {
  readonly parallel: number;
  /**
   * `partChecksums`: true, parts are hashed ahead of their turn and their URLs, bound to
   * their MD5s (`Content-MD5`, which the store checks), are asked for a batch at a time;
   * false (the client's default), unbound URLs, a batch at a time ahead of the parts.
   */
  readonly partChecksums: boolean;
  /**
   * `false`: no whole-file checksum; the server reads nothing back. Absent: the client's
   * default, the server's algorithm (md5), computed while reading and verified by the
   * server, which reads the completed object back to do so.
   */
  readonly checksum?: false;
}

/**
 * A direct upload of the file at `path` through frago's API at `api` by @frago/client
 * itself, as an application sends one: direct mode (the server offers it), 8 MiB parts
 * (the storage's), `parallel` at a time, with the whole-file checksum `options` say.
 * The finalize call is inside the client, so `finalizeMs` is the whole upload's.
 */
export async function directUpload(api: string, path: string, options: DirectOptions): Promise<UploadTiming> {
  const client = new FragoClient({
    endpoint: api,
    parallel: options.parallel,
    direct: true,
    partChecksums: options.partChecksums,
    ...(options.checksum === false ? { checksum: false } : {}),
  });
  const began = performance.now();
  const upload = client.upload(await fileSource(path, { name: 'bench.bin' }), { resume: false });
  const session = new Promise<boolean>((resolve) => upload.on('session', (started) => resolve(started.direct)));
  const result = await upload.done;
  if (!(await session)) throw new Error('the upload did not go direct');
  if (options.checksum !== false && !result.verified) throw new Error('the whole-file checksum was not verified');
  const totalMs = performance.now() - began;
  return { id: result.uploadId, totalMs, finalizeMs: totalMs };
}
