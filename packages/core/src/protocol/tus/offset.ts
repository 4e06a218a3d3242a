import { declaredSize } from '../../model.js';
import type { UploadState } from '../../service.js';

/**
 * The tus offset of an upload: how many bytes from its start are stored without a gap.
 * Bytes stored past a gap do not count until the gap is filled.
 */
export function offsetOf(state: UploadState): number {
  const { upload } = state;
  if (upload.status === 'complete' || upload.status === 'assembling') return declaredSize(upload);
  const first = state.received.ranges[0];
  return first !== undefined && first.start === 0 ? first.end + 1 : 0;
}
