import { FragoError } from '../../errors.js';
import { base64Bytes, toBase64 } from '../http/base64.js';
import { CONCAT_KEY } from './concat.js';

// `Upload-Metadata`: comma-separated pairs of a key and a base64 value (the value may
// be left out). Keys are ASCII without spaces or commas and unique.

const KEY = /^[\x21-\x2b\x2d-\x7e]+$/;
const MAX_PAIRS = 64;

function decodeValue(key: string, value: string): string {
  const bytes = base64Bytes(value);
  if (bytes === undefined) throw new FragoError('INVALID_REQUEST', `Upload-Metadata: the value of "${key}" is not base64`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FragoError('INVALID_REQUEST', `Upload-Metadata: the value of "${key}" is not UTF-8 text`);
  }
}

/**
 * The pairs of an `Upload-Metadata` header, decoded; a key sent without a value maps
 * to null. Empty for an absent header.
 *
 * @throws {FragoError} `INVALID_REQUEST` for a malformed pair, a repeated key, a value
 * that is not base64 of UTF-8 text, the server's own key, or more than 64 pairs.
 */
export function parseMetadata(header: string | undefined): Record<string, string | null> {
  const pairs: Record<string, string | null> = {};
  if (header === undefined || header.trim() === '') return pairs;
  const members = header.split(',');
  if (members.length > MAX_PAIRS) throw new FragoError('INVALID_REQUEST', `Upload-Metadata may carry at most ${MAX_PAIRS} pairs`);
  for (const member of members) {
    const [key = '', value, extra] = member.trim().split(' ');
    if (!KEY.test(key) || extra !== undefined) {
      throw new FragoError('INVALID_REQUEST', 'Upload-Metadata must be comma-separated "key base64value" pairs');
    }
    if (Object.hasOwn(pairs, key)) throw new FragoError('INVALID_REQUEST', `Upload-Metadata names "${key}" twice`);
    if (key === CONCAT_KEY) throw new FragoError('INVALID_REQUEST', `Upload-Metadata may not name "${CONCAT_KEY}": the server keeps Upload-Concat there`);
    pairs[key] = value === undefined ? null : decodeValue(key, value);
  }
  return pairs;
}

/**
 * The `Upload-Metadata` header for an upload's metadata: its text (and null) values
 * under keys tus allows, but for the server's own; undefined when there are none.
 */
export function formatMetadata(metadata: Readonly<Record<string, unknown>>): string | undefined {
  const pairs = Object.entries(metadata).flatMap(([key, value]) => {
    if (!KEY.test(key) || key === CONCAT_KEY) return [];
    if (value === null) return [key];
    return typeof value === 'string' ? [`${key} ${toBase64(new TextEncoder().encode(value))}`] : [];
  });
  return pairs.length === 0 ? undefined : pairs.join(',');
}
