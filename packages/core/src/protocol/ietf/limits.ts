import type { UploadRecord } from '../../model.js';
import type { UploadService } from '../../service.js';
import { EXPIRES_KEY_VERSION } from './wire.js';

// sf-integers stop at 15 digits; a limit past that is no limit a client can be told.
const LARGEST = 999_999_999_999_999;

/**
 * `Upload-Limit` (a structured dictionary): the largest upload (`max-size`), the
 * largest append (`max-append-size`, the service's chunk limit) and, for an upload,
 * the seconds it has left (`max-age`; `expires` in interop version 6).
 */
export function uploadLimit(service: UploadService, upload: UploadRecord | null, version: string | undefined): string {
  const { maxUploadSize, maxChunkSize } = service.limits;
  const members: string[] = [];
  if (maxUploadSize <= LARGEST) members.push(`max-size=${maxUploadSize}`);
  if (maxChunkSize <= LARGEST) members.push(`max-append-size=${maxChunkSize}`);
  if (upload !== null && upload.status === 'in_progress') {
    const seconds = Math.max(0, Math.floor((upload.expiresAt.getTime() - Date.now()) / 1000));
    members.push(`${version === EXPIRES_KEY_VERSION ? 'expires' : 'max-age'}=${seconds}`);
  }
  return members.join(', ');
}
