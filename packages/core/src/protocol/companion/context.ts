import type { Identity } from '../../identity.js';
import type { FragoRequest } from '../../protocol.js';
import type { UploadService } from '../../service.js';

/** What every Companion-style handler is given. */
export interface CompanionContext {
  readonly service: UploadService;
  readonly request: FragoRequest;
  readonly identity: Identity;
  /** The upload id of the path; empty on `/multipart`, `/params` and `/form`. */
  readonly id: string;
  /** The part number segment of `/multipart/:id/:part`, or `complete`; empty otherwise. */
  readonly part: string;
  readonly search: string;
  /** Where the endpoints are mounted (`/s3`). */
  readonly base: string;
  /** The origin (and mount path) of the form URLs `GET /s3/params` hands out; from the request when undefined. */
  readonly publicOrigin: string | undefined;
}
