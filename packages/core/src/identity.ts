import { FragoError } from './errors.js';
import type { UploadRecord } from './model.js';

/**
 * Who is calling. An anonymous caller owns nothing: its uploads are reachable only
 * through their unguessable id and are never listed. Any other caller is identified by
 * a stable key such as `user:42` or `device:7`.
 */
export type Identity = { readonly kind: 'anonymous' } | { readonly kind: string; readonly id: string };

/**
 * What an identity resolver returns: the caller, or `null` when it cannot tell who is
 * calling. frago refuses a `null` caller with `401 UNAUTHENTICATED`; an application
 * that accepts uploads from anyone returns {@link ANONYMOUS} instead, explicitly.
 */
export type ResolvedIdentity = Identity | null;

/** Resolves the caller of a request; may throw a `FragoError` (e.g. `UNAUTHENTICATED` for bad credentials). */
export type IdentifyCaller = () => ResolvedIdentity | Promise<ResolvedIdentity>;

/** The anonymous caller: return it from an identity resolver to accept uploads from anyone. */
export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous' });

/** The key that an identity's uploads are stored under, or null for an anonymous caller. */
export function ownerKey(identity: Identity): string | null {
  return 'id' in identity ? `${identity.kind}:${identity.id}` : null;
}

/**
 * Decides whether `identity` may act on `upload`. An anonymous upload belongs to
 * whoever holds its id; an owned upload only to its owner. A foreign upload is
 * reported exactly like an unknown one, so that ids of others cannot be probed.
 *
 * @throws {FragoError} `UPLOAD_NOT_FOUND` when the upload is not the caller's.
 */
export function assertOwner(identity: Identity, upload: UploadRecord): void {
  if (upload.owner !== null && upload.owner !== ownerKey(identity)) {
    throw new FragoError('UPLOAD_NOT_FOUND', 'No such upload');
  }
}

/**
 * Builds an identity from a value an adapter found on the request (e.g. `req.user`).
 * `undefined`/`null`/`''` means nobody signed in: `null`, which frago refuses with 401
 * (write `identityOf('user', req.user) ?? ANONYMOUS` to accept anonymous uploads). A
 * string or number is an id; an object with an `id` is used by its id.
 *
 * @throws {FragoError} `UNAUTHENTICATED` for any other value.
 */
export function identityOf(kind: string, value: unknown): ResolvedIdentity {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') {
    return { kind, id: String(value) };
  }
  if (typeof value === 'object' && 'id' in value) return identityOf(kind, (value as { id: unknown }).id);
  throw new FragoError('UNAUTHENTICATED', 'The caller could not be identified');
}
