import { createServer, request } from 'node:http';
import { listen } from '@frago/conformance';

/** A proxy handing each request to the next of `origins` in turn, logging which one served it. */
export async function startRoundRobin(origins: readonly string[]) {
  const log: Array<{ method: string; url: string; origin: string }> = [];
  let next = 0;
  const server = createServer((req, res) => {
    const origin = origins[next++ % origins.length] ?? '';
    log.push({ method: req.method ?? '', url: req.url ?? '', origin });
    const upstream = request(`${origin}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return { ...(await listen(server)), log };
}
