import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Readable } from 'node:stream';

/** The method-named functions a Next.js App Router route file exports, or any Fetch handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

function webRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? null : (Readable.toWeb(req) as ReadableStream<Uint8Array>);
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method, headers, body, signal, duplex: 'half' } as RequestInit);
}

/**
 * A `node:http` server that turns each request into a web `Request`, hands it to
 * `handler` and writes the `Response` back: how a Fetch runtime serves a route, for
 * running the HTTP suite against Fetch handlers over a real socket.
 */
export function fetchServer(handler: FetchHandler): Server {
  return createServer((req, res) => {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    void (async () => {
      const response = await handler(webRequest(req, controller.signal));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body !== null) for await (const piece of response.body as AsyncIterable<Uint8Array>) res.write(piece);
      res.end();
    })().catch(() => res.destroy());
  });
}
