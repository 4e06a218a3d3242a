import type { FragoResponse } from '../../protocol.js';
import { concatOf } from './concat.js';
import { formatMetadata } from './metadata.js';
import { offsetOf } from './offset.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/**
 * `HEAD /files/:id`: where to resume (`Upload-Offset`), with the length (or
 * `Upload-Defer-Length: 1` while it is deferred), metadata, `Upload-Concat` and expiry;
 * never cached.
 */
export async function uploadOffset({ service, identity, id }: TusContext): Promise<FragoResponse> {
  const state = await service.status(identity, id);
  const { upload } = state;
  return tusResponse(200, {
    'upload-offset': String(offsetOf(state)),
    'upload-length': upload.totalSize === null ? undefined : String(upload.totalSize),
    'upload-defer-length': upload.totalSize === null ? '1' : undefined,
    'upload-metadata': formatMetadata(upload.metadata),
    'upload-concat': concatOf(upload),
    'upload-expires': upload.status === 'in_progress' ? upload.expiresAt.toUTCString() : undefined,
    'cache-control': 'no-store',
  });
}
