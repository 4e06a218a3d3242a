import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { Transform, type Readable } from 'node:stream';

/**
 * Forwards a request to the S3 server unchanged, its `Host` header included: a URL
 * presigned for the page's origin then checks out at the S3 server, and the page sends
 * its parts (and reads their ETags) without leaving its origin. `body` is what goes on
 * as the request's body (the request itself unless it is slowed, see {@link slowly}).
 *
 * A page that goes away (Uppy's pause aborts the part on its way) ends the request at
 * the S3 server too. The S3 server may refuse a part (403) before it has read the body,
 * and then reads no more of it: the rest is read here and dropped, or the page's
 * connection would hang, its upload stalled, until the browser gives it up.
 */
export function forwardToS3(endpoint: string, req: IncomingMessage, res: ServerResponse, body: Readable = req): void {
  const target = new URL(endpoint);
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      if (req.complete) return;
      body.unpipe(upstream);
      body.resume();
      answer.on('end', () => upstream.destroy());
    },
  );
  upstream.on('error', () => res.destroy());
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  body.pipe(upstream);
}

/**
 * `req`'s body at about `bytesPerSecond`, as over a slow uplink: on the loopback a
 * part arrives whole between two of the browser's progress events, and so a pause
 * would never catch one on its way.
 */
export function slowly(req: IncomingMessage, bytesPerSecond: number): Readable {
  const pace = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      setTimeout(() => done(null, chunk), (chunk.length / bytesPerSecond) * 1000);
    },
  });
  req.on('close', () => {
    if (!req.complete) pace.destroy();
  });
  return req.pipe(pace);
}
