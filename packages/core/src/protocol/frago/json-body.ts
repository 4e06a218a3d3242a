import { readSmallBody } from '../../body.js';
import { FragoError } from '../../errors.js';
import type { FragoRequest } from '../../protocol.js';
import { mediaType } from './media-type.js';

// JSON.parse takes any depth, but JSON.stringify (a database column, the status view)
// overflows the stack at a few thousand levels, which fit in a small body.
export const MAX_JSON_DEPTH = 32;

/** True when `value` has objects or arrays nested more than `max` levels deep. Iterative, so any depth is safe. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [current, depth] = item;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * A JSON object from `text`, nested at most `depth` levels; `what` names the text in
 * the messages (`The body`, a header).
 *
 * @throws {FragoError} `INVALID_REQUEST` for malformed JSON, another value than an
 * object, or deeper nesting.
 */
export function parseJsonObject(text: string, what: string, depth = MAX_JSON_DEPTH): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FragoError('INVALID_REQUEST', `${what} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FragoError('INVALID_REQUEST', `${what} must be a JSON object`);
  }
  if (nestedDeeperThan(parsed, depth)) throw new FragoError('INVALID_REQUEST', `${what} is nested deeper than ${depth} levels`);
  return parsed as Record<string, unknown>;
}

/**
 * The fields of a small request body: a JSON object (also when sent without a type), or
 * a URL-encoded form, at most `limit` bytes. An empty body has no fields.
 *
 * @throws {FragoError} `INVALID_REQUEST` for malformed or too deeply nested JSON,
 * `UNSUPPORTED_MEDIA_TYPE` for any other type, `BODY_TOO_LARGE` past `limit`.
 */
export async function readFields(request: FragoRequest, limit: number): Promise<Record<string, unknown>> {
  const type = mediaType(request.headers);
  const text = await readSmallBody(request.body, limit);
  if (text.trim() === '') return {};
  const looksJson = /^\s*[{[]/.test(text);
  if (type === 'application/json' || type.endsWith('+json') || looksJson || type === '') return parseJsonObject(text, 'The body');
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, unknown> = Object.fromEntries(new URLSearchParams(text));
    if (typeof fields.total_size === 'string' && /^\d{1,16}$/.test(fields.total_size)) {
      fields.total_size = Number(fields.total_size);
    }
    return fields;
  }
  throw new FragoError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (application/json)');
}
