import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveEndpoint, type ClientOptions } from '../index.js';
import { parseSize } from './format.js';

/** A mistake in the command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command that talks to a server takes. */
export const SERVER_OPTIONS = {
  url: { type: 'string', short: 'u' },
  header: { type: 'string', short: 'H', multiple: true },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Help lines for {@link SERVER_OPTIONS}. */
export const SERVER_HELP = `  -u, --url URL        the frago API, e.g. http://127.0.0.1:3000/upload (default: $FRAGO_URL;
                       a bare origin means ORIGIN/upload)
  -H, --header 'K: V'  an extra request header (repeatable), e.g. -H 'Authorization: Bearer ...'
      --timeout MS     how long one request may take (default 120000)
      --retries N      retries per request for network errors, 5xx and 429 (default 8)
      --json           print results as JSON lines
  -h, --help           show this help`;

/** Parses `args` against `options`, turning parseArgs' complaints into a {@link UsageError}. */
export function parse<T extends Options>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function whole(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`${name} must be a whole number, got "${text}"`);
  return value;
}

/** A size option (`8MiB`, `512k`, bytes). */
export function size(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const value = parseSize(text);
  if (value === null) throw new UsageError(`${name} must be a size such as 8MiB, 512k or 1048576, got "${text}"`);
  return value;
}

/** A positive count option. */
export function count(text: string | undefined, name: string): number | undefined {
  const value = whole(text, name);
  if (value === 0) throw new UsageError(`${name} must be at least 1`);
  return value;
}

/** The client options common to every command, from {@link SERVER_OPTIONS}' values. */
export function serverOptions(values: { url?: string; header?: string[]; timeout?: string; retries?: string }): ClientOptions {
  const url = values.url ?? process.env.FRAGO_URL;
  if (!url) throw new UsageError('--url is required (or set FRAGO_URL)');
  let endpoint: string;
  try {
    endpoint = resolveEndpoint(url);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (new URL(endpoint).pathname === '/') endpoint += '/upload';
  const headers: Record<string, string> = {};
  for (const line of values.header ?? []) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header must look like 'Name: value', got "${line}"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { endpoint, headers, requestTimeoutMs: count(values.timeout, '--timeout'), retries: whole(values.retries, '--retries') };
}
