import { FragoError } from '../../errors.js';
import type { UploadRecord } from '../../model.js';

// `Upload-Concat` (the concatenation extension): `partial` on the creation of a part,
// `final;<url> <url> ...` on the creation of the joined upload.

/** The metadata key keeping what `Upload-Concat` said at creation, for HEAD to repeat it. */
export const CONCAT_KEY = 'tus-concat';

/** What an `Upload-Concat` header asks for; null when absent. */
export type Concat = { readonly kind: 'partial' } | { readonly kind: 'final'; readonly parts: readonly string[] } | null;

/**
 * The upload ids a final names: each URL (absolute, or a path) must end in
 * `<base>/<id>`. What comes before `base` is not checked: a framework may mount tus
 * under a prefix the handler never sees (Fastify's `prefix`), and the id is then looked
 * up for the caller like any other.
 */
function partIds(list: string, base: string): string[] {
  const urls = list.trim().split(/\s+/).filter((url) => url !== '');
  if (urls.length === 0) throw new FragoError('INVALID_REQUEST', 'Upload-Concat: final; must name the partial uploads to join');
  return urls.map((url) => {
    let path: string;
    try {
      path = new URL(url, 'http://base.invalid').pathname;
    } catch {
      throw new FragoError('INVALID_REQUEST', 'Upload-Concat: final; names a malformed URL');
    }
    const at = path.replace(/\/$/, '').lastIndexOf(`${base}/`);
    const id = at === -1 ? '' : path.slice(at + base.length + 1).replace(/\/$/, '');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new FragoError('INVALID_REQUEST', `Upload-Concat: final; names ${url}, not an upload here`);
    return id;
  });
}

/** `Upload-Concat` read. @throws {FragoError} `INVALID_REQUEST` for anything but `partial` or `final;<urls>`. */
export function parseConcat(header: string | undefined, base: string): Concat {
  if (header === undefined) return null;
  const value = header.trim();
  if (value === 'partial') return { kind: 'partial' };
  if (value.startsWith('final;')) return { kind: 'final', parts: partIds(value.slice('final;'.length), base) };
  throw new FragoError('INVALID_REQUEST', 'Upload-Concat must be "partial" or "final;<url> <url> ..."');
}

/** What `Upload-Concat` said when `upload` was created through tus; undefined for an ordinary upload. */
export function concatOf(upload: UploadRecord): string | undefined {
  const value = upload.metadata[CONCAT_KEY];
  return typeof value === 'string' ? value : undefined;
}

/** True for an upload created as a part (`Upload-Concat: partial`): it is never completed by itself. */
export function isPartial(upload: UploadRecord): boolean {
  return concatOf(upload) === 'partial';
}
