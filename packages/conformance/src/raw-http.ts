import { request as httpRequest, type ClientRequest } from 'node:http';
import { connect } from 'node:net';

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

/** The status line, headers and body of a response read off a socket, or `reset` when none came. */
function parseResponse(raw: Buffer): RawOutcome {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '');
  if (!status?.[1]) return 'reset';
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'];
  const rest = end < 0 ? Buffer.alloc(0) : raw.subarray(end + 4);
  const text = (length === undefined ? rest : rest.subarray(0, Number(length))).toString();
  return { status: Number(status[1]), headers, text, body: parse(text) };
}

/**
 * Writes `head` (the request line and header lines, without the blank line that ends
 * them) and `body` as they are onto a new socket, and reads the answer until the
 * server closes: for framings no HTTP client produces, such as a `Transfer-Encoding`
 * besides `chunked`. The request asks for the connection to be closed.
 */
export function socketRequest(url: string, head: readonly string[], body: string | Uint8Array): Promise<RawOutcome> {
  const { host, port } = target(url);
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const pieces: Buffer[] = [];
    socket.on('data', (piece: Buffer) => pieces.push(piece));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(parseResponse(Buffer.concat(pieces))));
    socket.write([...head, `Host: ${host}:${port}`, 'Connection: close', '', ''].join('\r\n'));
    socket.end(body);
  });
}
