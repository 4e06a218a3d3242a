import type { FragoResponse } from '../../protocol.js';
import { readFields } from './json-body.js';
import { parseStart } from './parse.js';
import { json } from './responses.js';
import type { RouteContext } from './route-context.js';
import { startedView } from './views.js';

/**
 * `POST /upload/`: starts an upload; 201 with its id, expiry and the chunk size to use,
 * and with `direct: true` asked, how to cut it into parts for direct upload (null when
 * the server takes none).
 */
export async function startUpload({ service, base, request, identity }: RouteContext): Promise<FragoResponse> {
  const fields = await readFields(request, service.limits.maxJsonBytes);
  const upload = await service.create(identity, parseStart(fields, service.checksumAlgorithms));
  // Offered only when asked for, so that a client that never sends parts itself sees nothing new.
  const layout = fields.direct === true ? service.directLayout(upload.totalSize) : null;
  const direct = fields.direct === true ? { direct: layout === null ? null : { part_size: layout.partSize, part_count: layout.partCount } } : {};
  return json(201, { ...startedView(service, upload), ...direct }, { location: `${base}/${upload.id}/` });
}
