import type { FragoResponse } from '../../protocol.js';
import { readFields } from './json-body.js';
import { parseFinalize } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';

/** `POST /upload/:id/`: verifies and assembles; 201, or 200 when an earlier call completed it. */
export async function finalizeUpload({ service, request, identity, id }: RouteContext): Promise<FragoResponse> {
  const fields = await readFields(request, service.limits.maxJsonBytes);
  const { upload, alreadyComplete, algorithm } = await service.finalize(identity, id, parseFinalize(fields, service.checksumAlgorithms));
  return json(alreadyComplete ? 200 : 201, {
    status: true,
    message: `Upload completed for ${upload.filename}`,
    upload_id: upload.id,
    checksum: upload.checksum,
    checksum_algo: algorithm,
    total_size: upload.totalSize,
    completed_at: upload.completedAt?.toISOString() ?? null,
    already_complete: alreadyComplete,
  });
}
