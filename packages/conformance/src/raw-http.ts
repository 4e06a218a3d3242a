import { request as httpRequest, type ClientRequest } from 'node:http';

/** What a raw request got back: the status and parsed JSON body, or `reset` when the connection ended without an answer. */
export type RawOutcome = { readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly text: string; readonly body: Record<string, unknown> } | 'reset';

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Host, port and path of `url`, the path exactly as written (a URL object would resolve `..` in it). */
function target(url: string): { host: string; port: number; path: string } {
  const match = /^http:\/\/([^/:]+):(\d+)(\/.*)?$/.exec(url);
  if (!match?.[1] || !match[2]) throw new Error(`not an http://host:port URL: ${url}`);
  return { host: match[1], port: Number(match[2]), path: match[3] ?? '/' };
}

/**
 * Sends a request whose body is written by hand, to produce short, long, stalled and
 * cut-off bodies that `fetch` cannot. Resolves with the answer, or `reset` when the
 * connection ended first; never rejects.
 */
export function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  write: (req: ClientRequest) => void,
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const req = httpRequest({ ...target(url), method, headers, agent: false }, (res) => {
      const pieces: Buffer[] = [];
      res.on('data', (piece: Buffer) => pieces.push(piece));
      res.on('end', () => {
        const text = Buffer.concat(pieces).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parse(text) });
      });
      res.on('error', () => resolve('reset'));
    });
    req.on('error', () => resolve('reset'));
    write(req);
  });
}

/** {@link rawRequest} with `PUT`, the chunk method. */
export function rawPut(url: string, headers: Record<string, string>, write: (req: ClientRequest) => void): Promise<RawOutcome> {
  return rawRequest('PUT', url, headers, write);
}

/**
 * Starts a chunk of `total` declared bytes, writes the first `sent` of `bytes`, then
 * destroys the connection as a client that drops mid-chunk would. Resolves once the
 * socket is closed.
 */
export function cutChunk(url: string, range: { start: number; end: number; total: number }, bytes: Uint8Array, sent: number, extraHeaders: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest({
      ...target(url),
      method: 'PUT',
      agent: false,
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${range.start}-${range.end}/${range.total}`,
        'content-length': String(range.end - range.start + 1),
        ...extraHeaders,
      },
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.flushHeaders();
    if (sent > 0) req.write(bytes.subarray(0, sent), () => req.destroy());
    else setImmediate(() => req.destroy());
  });
}
