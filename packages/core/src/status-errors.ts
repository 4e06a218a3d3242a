import { FragoError } from './errors.js';
import type { UploadRecord } from './model.js';

/** The error for an upload that passed its expiry. */
export function expiredError(): FragoError {
  return new FragoError('UPLOAD_EXPIRED', 'This upload has expired');
}

/**
 * The error for a call that needs an upload `in_progress` but found it in another
 * state. `claimLost` is for an upload still in progress whose claim on a range was
 * taken over (it had stalled past its lease).
 */
export function statusError(upload: UploadRecord, claimLost = false): FragoError {
  switch (upload.status) {
    case 'complete':
      return new FragoError('UPLOAD_COMPLETED', 'This upload is already complete');
    case 'assembling':
      return new FragoError('UPLOAD_BUSY', 'This upload is being finalized');
    case 'expired':
      return expiredError();
    case 'aborted':
      return new FragoError('UPLOAD_ABORTED', 'This upload was aborted');
    case 'in_progress':
      return claimLost
        ? new FragoError('RANGE_IN_FLIGHT', 'The claim on this range lapsed; send the chunk again')
        : new FragoError('INTERNAL_ERROR', 'The upload is in an unexpected state');
  }
}
