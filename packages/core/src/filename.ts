import { FragoError } from './errors.js';

const MAX_FILENAME_BYTES = 180;
// Slashes, and characters that look like one without being one after NFKC normalisation.
const SEPARATORS = /[/\\\u2044\u2215\u2216\u29f8\u29f9\ufe68]/;
// A lone UTF-16 surrogate has no UTF-8 form: file systems and object stores refuse it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
// Control characters, path separators and the characters Windows refuses in names.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/**
 * Checks a client-supplied filename for use as metadata: a non-empty string of at
 * most 1024 characters without NUL. The name is stored as given and never used as a
 * path; see {@link safeFilename} for the on-disk name.
 *
 * @throws {FragoError} `INVALID_FILENAME`.
 */
export function validateFilename(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new FragoError('INVALID_FILENAME', 'filename must be a non-empty string');
  }
  if (value.length > 1024 || value.includes('\u0000')) {
    throw new FragoError('INVALID_FILENAME', 'filename must be at most 1024 characters without NUL');
  }
  return value;
}

function truncateUtf8(value: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  let result = '';
  for (const character of value) {
    if (encoder.encode(result + character).byteLength > maxBytes) break;
    result += character;
  }
  return result;
}

/**
 * A name that is safe as one path segment on any common file system: the last
 * segment of the client's name, NFKC-normalised (so lookalike slashes become real
 * ones and are removed), without control, bidi or reserved characters, without
 * leading dots, not a Windows device name, at most 180 UTF-8 bytes with its
 * extension kept. Never empty.
 */
export function safeFilename(name: string): string {
  const normalized = name.replace(LONE_SURROGATE, '_').normalize('NFKC');
  const lastSegment = normalized.split(SEPARATORS).pop() ?? '';
  let cleaned = lastSegment.replace(UNSAFE, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
  if (WINDOWS_RESERVED.test(cleaned)) cleaned = `_${cleaned}`;
  if (cleaned === '' || /^_+$/.test(cleaned)) cleaned = 'file';
  if (new TextEncoder().encode(cleaned).byteLength <= MAX_FILENAME_BYTES) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  const stem = cleaned.slice(0, cleaned.length - extension.length);
  return truncateUtf8(stem, MAX_FILENAME_BYTES - new TextEncoder().encode(extension).byteLength) + extension;
}

/**
 * Makes a relative folder path safe below a storage root: each segment passes
 * {@link safeFilename}; `.`/`..` and empty segments are dropped.
 */
export function safeDirectory(path: string): string {
  return path
    .split(/[/\\]/)
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..')
    .map(safeFilename)
    .join('/');
}
