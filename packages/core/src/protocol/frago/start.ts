import type { FragoResponse } from '../../protocol.js';
import { readFields } from './json-body.js';
import { parseStart } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';

/** `POST /upload/`: starts an upload; 201 with its id, expiry and the chunk size to use. */
export async function startUpload({ service, base, request, identity }: RouteContext): Promise<FragoResponse> {
  const fields = await readFields(request, service.limits.maxJsonBytes);
  const upload = await service.create(identity, parseStart(fields, service.checksumAlgorithms));
  return json(
    201,
    {
      status: true,
      message: `Upload started for ${upload.filename}`,
      upload_id: upload.id,
      expires_at: upload.expiresAt.toISOString(),
      chunk_size: service.chunkSizeFor(upload.totalSize ?? 0),
      max_chunk_size: service.limits.maxChunkSize,
      checksum_algo: upload.checksumAlgorithm,
    },
    { location: `${base}/${upload.id}/` },
  );
}
