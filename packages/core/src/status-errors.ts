import { FragoError } from './errors.js';
import type { UploadRecord } from './model.js';

/** The error for an upload that does not exist, or that the caller may not see. */
export function notFoundError(): FragoError {
  return new FragoError('UPLOAD_NOT_FOUND', 'No such upload');
}

/** The error for an upload that passed its expiry. */
export function expiredError(): FragoError {
  return new FragoError('UPLOAD_EXPIRED', 'This upload has expired');
}

/**
 * The error for a call that needs an upload `in_progress` but found it in another
 * state.
 */
export function statusError(upload: UploadRecord): FragoError {
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
      return new FragoError('INTERNAL_ERROR', 'The upload is in an unexpected state');
  }
}
