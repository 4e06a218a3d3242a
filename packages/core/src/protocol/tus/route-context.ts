import type { Identity } from '../../identity.js';
import type { FragoRequest } from '../../protocol.js';
import type { UploadService } from '../../service.js';

/** What every handler of the tus protocol is given. */
export interface TusContext {
  readonly service: UploadService;
  /** Where tus is mounted, normalized (`/files`). */
  readonly base: string;
  readonly request: FragoRequest;
  readonly identity: Identity;
  /** The upload id of a `/files/:id` route; empty on `/files/`. */
  readonly id: string;
}
