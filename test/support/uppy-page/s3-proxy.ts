import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Forwards a request to the S3 server unchanged, its `Host` header included: a URL
 * presigned for the page's origin then checks out at the S3 server, and the page sends
 * its parts (and reads their ETags) without leaving its origin.
 */
export function forwardToS3(endpoint: string, req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(endpoint);
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
