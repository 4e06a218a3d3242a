import { FragoError } from '../../errors.js';
import type { FragoRequest } from '../../protocol.js';
import { MAX_JSON_DEPTH, parseJsonObject } from '../frago/json-body.js';
import { base64UrlBytes } from '../http/base64.js';
import { MAX_METADATA_HEADER, METADATA_HEADER } from './wire.js';

/**
 * The metadata a creation names in `Frago-Metadata` (base64url of a UTF-8 JSON object),
 * held to what frago's JSON start holds `metadata` to: an object, at most `maxJsonBytes`
 * of JSON, nested no deeper than inside a start's body. Undefined when absent.
 *
 * @throws {FragoError} `INVALID_REQUEST` for text that is not base64url of UTF-8 JSON
 * of an object, or nested too deep; `BODY_TOO_LARGE` past {@link MAX_METADATA_HEADER}
 * characters or `maxJsonBytes` of JSON.
 */
export function metadataHeader(headers: FragoRequest['headers'], maxJsonBytes: number): Record<string, unknown> | undefined {
  const value = headers[METADATA_HEADER.toLowerCase()]?.trim();
  if (value === undefined) return undefined;
  if (value.length > MAX_METADATA_HEADER) {
    throw new FragoError('BODY_TOO_LARGE', `${METADATA_HEADER} is longer than ${MAX_METADATA_HEADER} characters`);
  }
  const bytes = base64UrlBytes(value);
  if (bytes === undefined) throw new FragoError('INVALID_REQUEST', `${METADATA_HEADER} must be base64url`);
  if (bytes.byteLength > maxJsonBytes) throw new FragoError('BODY_TOO_LARGE', `${METADATA_HEADER} carries more than ${maxJsonBytes} bytes of JSON`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FragoError('INVALID_REQUEST', `${METADATA_HEADER} is not UTF-8 text`);
  }
  // In a start's body the metadata sits one level down, so it may nest one level less.
  return parseJsonObject(text, METADATA_HEADER, MAX_JSON_DEPTH - 1);
}
