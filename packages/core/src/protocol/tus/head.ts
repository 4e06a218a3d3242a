import type { FragoResponse } from '../../protocol.js';
import { concatOf } from './concat.js';
import { formatMetadata } from './metadata.js';
import { offsetOf } from './offset.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';

/** `HEAD /files/:id`: where to resume (`Upload-Offset`), with the length, metadata, `Upload-Concat` and expiry; never cached. */
export async function uploadOffset({ service, identity, id }: TusContext): Promise<FragoResponse> {
  const state = await service.status(identity, id);
  const { upload } = state;
  return tusResponse(200, {
    'upload-offset': String(offsetOf(state)),
    'upload-length': String(upload.totalSize),
    'upload-metadata': formatMetadata(upload.metadata),
    'upload-concat': concatOf(upload),
    'upload-expires': upload.status === 'in_progress' ? upload.expiresAt.toUTCString() : undefined,
    'cache-control': 'no-store',
  });
}
