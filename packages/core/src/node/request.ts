import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IdentifyCaller, Identity } from '../identity.js';
import type { FragoRequest } from '../protocol.js';

/**
 * Builds a {@link FragoRequest} from Node's request. The body is the request itself
 * (Node streams are async-iterable), so bytes flow from the socket to the storage with
 * no conversion. The signal aborts when the response closes before it finished, i.e.
 * when the client went away. `identity` is who is calling, or a function resolving it
 * when the handler asks (see {@link FragoRequest.identify}).
 */
export function toFragoRequest(
  req: IncomingMessage,
  res: ServerResponse,
  identity: Identity | IdentifyCaller,
  url?: string,
): FragoRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const inform = informer(req, res);
  return {
    method: req.method ?? 'GET',
    path: url ?? req.url ?? '/',
    headers,
    body: req,
    signal: controller.signal,
    ...(typeof identity === 'function' ? { identify: identity } : { identity }),
    ...(inform === undefined ? {} : { inform }),
  };
}

/** Node's interim-response writer (`writeInformation`, Node.js 24), where this Node has it. */
type InformingResponse = ServerResponse & {
  writeInformation?: (status: number, headers: Record<string, string>) => void;
};

/**
 * Sends a 1xx before the final response, while the final one has not started; an
 * interim response is a courtesy, so a failure to send it is ignored. HTTP/1.0 has no
 * interim responses.
 */
function informer(req: IncomingMessage, res: InformingResponse): FragoRequest['inform'] {
  if (typeof res.writeInformation !== 'function' || req.httpVersion === '1.0') return undefined;
  return (status, headers) => {
    if (res.headersSent || res.destroyed) return;
    try {
      res.writeInformation?.(status, { ...headers });
    } catch {
      // A socket closing under the write: the final response tells the rest.
    }
  };
}
