import type { Identity } from '../../identity.js';
import type { FragoRequest } from '../../protocol.js';
import type { UploadService } from '../../service.js';

/** What every handler of the frago protocol is given. */
export interface RouteContext {
  readonly service: UploadService;
  /** Where the API is mounted, normalized (`/upload`). */
  readonly base: string;
  readonly request: FragoRequest;
  readonly identity: Identity;
  /** The upload id of an `/upload/:id/` route; empty on `/upload/`. */
  readonly id: string;
  /** The query string, without its `?`. */
  readonly search: string;
}
