import { FragoError } from './errors.js';

const CR = 13;
const DASH = 45;
const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const EMPTY = new Uint8Array(0);

/** How much of a multipart body besides the file part is read before it is refused. */
const LIMITS = {
  /** Parts in one body, the file included. */
  parts: 32,
  /** Bytes of one part's header block. */
  headerBytes: 8 * 1024,
  /** Bytes outside the file part, all together: other fields, the preamble and the epilogue. */
  otherBytes: 64 * 1024,
} as const;

// RFC 2046 §5.1.1: 1 to 70 characters from a small set, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

function malformed(message: string): FragoError {
  return new FragoError('INVALID_REQUEST', `Malformed multipart/form-data body: ${message}`);
}

/**
 * The boundary of a `multipart/form-data` Content-Type.
 *
 * @throws {FragoError} `INVALID_REQUEST` when it has none or an invalid one.
 */
export function multipartBoundary(contentType: string): string {
  const boundary = parameter(contentType, 'boundary');
  if (boundary === undefined) throw malformed('the Content-Type has no boundary');
  if (!BOUNDARY.test(boundary)) throw malformed('its boundary is not 1 to 70 allowed characters');
  return boundary;
}

/** The value of parameter `name` (`; name=value` or `; name="quoted"`) of a header value, unquoted. */
function parameter(value: string, name: string): string | undefined {
  for (const match of value.matchAll(/;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]*)/g)) {
    if (match[1]?.toLowerCase() !== name) continue;
    const raw = match[2] ?? '';
    return raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return undefined;
}

/** Where `needle` starts in `haystack` at or after `from`, or -1. Every needle here starts with CR. */
function find(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const last = haystack.length - needle.length;
  for (let at = haystack.indexOf(CR, from); at !== -1 && at <= last; at = haystack.indexOf(CR, at + 1)) {
    let i = 1;
    while (i < needle.length && haystack[at + i] === needle[i]) i += 1;
    if (i === needle.length) return at;
  }
  return -1;
}

/** How many bytes at the end of `buffer` could begin `delimiter`: held back until the next read tells. */
function heldBack(buffer: Uint8Array, delimiter: Uint8Array): number {
  const from = Math.max(0, buffer.length - delimiter.length + 1);
  for (let at = buffer.indexOf(CR, from); at !== -1; at = buffer.indexOf(CR, at + 1)) {
    let i = 1;
    while (at + i < buffer.length && buffer[at + i] === delimiter[i]) i += 1;
    if (at + i === buffer.length) return buffer.length - at;
  }
  return 0;
}

function concat(head: Uint8Array, tail: Uint8Array): Uint8Array {
  if (head.length === 0) return tail;
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head);
  joined.set(tail, head.length);
  return joined;
}

/** The `name` parameter of a part's Content-Disposition, from its header block. */
function partName(block: Uint8Array): string {
  const text = new TextDecoder().decode(block);
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const name = parameter(line.slice(colon + 1), 'name');
    if (name === undefined) throw malformed('a part has no name');
    return name;
  }
  throw malformed('a part has no Content-Disposition');
}

type State = 'preamble' | 'delimiter' | 'headers' | 'part' | 'epilogue';

/** How {@link multipartFile} reads a body. */
export interface MultipartFileOptions {
  /** The name of the file field. Default `file`. */
  readonly field?: string;
  /** Told where in the body the file's bytes begin, before the first of them is passed on. */
  readonly onFileStart?: (offset: number) => void;
}

/**
 * Streams the bytes of one file field of a `multipart/form-data` body (RFC 7578), the
 * form the original frago clients send, as they arrive: the file part is never
 * buffered, only the few bytes at the end of a read that could start a boundary are
 * held until the next read. Other parts are read and dropped, within small limits.
 * The body is read to its end, so a malformed tail still fails the request.
 *
 * @throws {FragoError} `INVALID_REQUEST` when the body is not valid multipart or
 * exceeds a limit; `MISSING_FILE_FIELD` when it has no part named `field`.
 */
export async function* multipartFile(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  options: MultipartFileOptions = {},
): AsyncIterable<Uint8Array> {
  const field = options.field ?? 'file';
  const delimiter = new TextEncoder().encode(`\r\n--${multipartBoundary(contentType)}`);
  // The body's first boundary has no CRLF before it; reading as if it had one makes every boundary alike.
  let buffer: Uint8Array = CRLF;
  let state: State = 'preamble';
  let inFile = false;
  let fileSeen = false;
  let parts = 0;
  let dropped = 0;
  /** Bytes of the body read so far; the buffer holds the last of them. */
  let read = 0;

  const drop = (bytes: number): void => {
    dropped += bytes;
    if (dropped > LIMITS.otherBytes) throw malformed(`more than ${LIMITS.otherBytes} bytes outside the file part`);
  };

  for await (const piece of body) {
    read += piece.length;
    buffer = concat(buffer, piece);
    for (;;) {
      if (state === 'preamble' || state === 'part') {
        const at = find(buffer, delimiter);
        const end = at >= 0 ? at : buffer.length - heldBack(buffer, delimiter);
        if (inFile) {
          if (end > 0) yield buffer.subarray(0, end);
        } else {
          drop(end);
        }
        if (at < 0) {
          buffer = buffer.subarray(end);
          break;
        }
        buffer = buffer.subarray(at + delimiter.length);
        inFile = false;
        state = 'delimiter';
      } else if (state === 'delimiter') {
        if (buffer.length < 2) break;
        if (buffer[0] === DASH && buffer[1] === DASH) {
          buffer = buffer.subarray(2);
          state = 'epilogue';
          continue;
        }
        const eol = find(buffer, CRLF);
        if (eol < 0) {
          if (buffer.length > 128) throw malformed('a boundary line does not end');
          break;
        }
        // Transport padding (spaces and tabs) may follow a boundary.
        if (buffer.subarray(0, eol).some((byte) => byte !== 32 && byte !== 9)) throw malformed('a boundary is followed by text');
        buffer = buffer.subarray(eol + 2);
        state = 'headers';
      } else if (state === 'headers') {
        const end = buffer[0] === CR && buffer[1] === 10 ? 0 : find(buffer, HEADER_END);
        if (end < 0) {
          if (buffer.length > LIMITS.headerBytes) throw malformed(`a part's headers are longer than ${LIMITS.headerBytes} bytes`);
          break;
        }
        if (end > LIMITS.headerBytes) throw malformed(`a part's headers are longer than ${LIMITS.headerBytes} bytes`);
        const name = partName(buffer.subarray(0, end));
        parts += 1;
        if (parts > LIMITS.parts) throw malformed(`more than ${LIMITS.parts} parts`);
        // The first part of that name is the file; a second one is dropped like any other field.
        inFile = name === field && !fileSeen;
        fileSeen ||= inFile;
        buffer = buffer.subarray(end === 0 ? 2 : end + HEADER_END.length);
        if (inFile) options.onFileStart?.(read - buffer.length);
        state = 'part';
      } else {
        drop(buffer.length);
        buffer = EMPTY;
        break;
      }
    }
  }
  if (state !== 'epilogue') {
    throw malformed(inFile ? 'it ended inside the file part' : 'it ended before its closing boundary');
  }
  if (!fileSeen) throw new FragoError('MISSING_FILE_FIELD', `The multipart body has no "${field}" file field`);
}
