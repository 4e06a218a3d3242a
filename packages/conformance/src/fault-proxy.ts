import { createServer, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from './listen.js';

/**
 * What the proxy does with one request: pass it on, answer 503 itself, cut the
 * connection halfway through the body (the server sees a short body, the client a
 * dropped connection), or pass it on with one byte of the body changed.
 */
export type FaultAction = 'pass' | 'unavailable' | 'drop' | 'corrupt';

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** 0 for the first request through the proxy. */
  readonly index: number;
}

/** A proxy in front of a frago server that breaks the requests a test asks it to. */
export interface FaultProxy {
  readonly origin: string;
  /** Every request, what was done with it, and the server's status once it answered. */
  readonly log: Array<ProxiedRequest & { readonly action: FaultAction; status?: number }>;
  /** Replaces the rule deciding each request's fate. */
  decide(rule: (request: ProxiedRequest) => FaultAction): void;
  /** Limits the body bytes passed on per second (0: no limit). */
  throttle(bytesPerSecond: number): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a proxy on a free loopback port forwarding to `target` (an origin), for
 * fault tests of clients: injected 503s, dropped connections, corrupted bodies and a
 * slow link, without touching the server.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let rule: (request: ProxiedRequest) => FaultAction = () => 'pass';
  let rate = 0;
  let count = 0;
  const log: FaultProxy['log'] = [];

  async function forward(req: IncomingMessage, res: ServerResponse, entry: FaultProxy['log'][number]): Promise<void> {
    const { action } = entry;
    const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers });
    let answered = false;
    upstream.on('response', (answer) => {
      entry.status = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => (answered = true));
    });
    // A server that answers before reading the body (a refused chunk) closes the connection,
    // and the rest of the body meets a reset: the answer it gave still reaches the client.
    upstream.on('error', () => answered || res.destroy());
    res.on('close', () => upstream.destroy());
    const declared = Number(req.headers['content-length'] ?? 0);
    let sent = 0;
    for await (const piece of req as AsyncIterable<Buffer>) {
      let bytes = piece;
      if (action === 'corrupt' && sent === 0 && bytes.length > 0) {
        bytes = Buffer.from(bytes);
        bytes[0] = bytes[0]! ^ 0xff;
      }
      if (action === 'drop' && sent + bytes.length >= declared / 2) {
        upstream.write(bytes.subarray(0, Math.max(0, Math.floor(declared / 2) - sent)));
        await sleep(20);
        upstream.destroy();
        req.socket.destroy();
        return;
      }
      if (upstream.destroyed) continue; // the server has gone: read the rest and drop it
      if (!upstream.write(bytes)) await drained(upstream);
      sent += bytes.length;
      if (rate > 0) await sleep((bytes.length / rate) * 1000);
    }
    upstream.end();
  }

  const server = createServer((req, res) => {
    const seen: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, index: count++ };
    const action = rule(seen);
    const entry: FaultProxy['log'][number] = { ...seen, action };
    log.push(entry);
    if (action === 'unavailable') {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: false, error: 'REPOSITORY_FAILED', message: 'injected by the test proxy' })),
      );
      return;
    }
    forward(req, res, entry).catch(() => res.destroy());
  });
  const { origin, close } = await listen(server);
  return {
    origin,
    log,
    decide: (next) => {
      rule = next;
    },
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
    },
    close,
  };
}

/** Waits until a request's buffer drains or it closes, leaving no listener behind either way. */
function drained(upstream: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      upstream.off('drain', done).off('close', done);
      resolve();
    };
    upstream.on('drain', done).on('close', done);
  });
}
