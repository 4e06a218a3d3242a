import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ANONYMOUS, createFrago, MemoryRepository, MemoryStorage, type Frago, type FragoOptions } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { listen } from '@frago/conformance';

/** Lets a test answer or break a request before frago sees it; return true when handled. */
export type Intercept = (req: IncomingMessage, res: ServerResponse) => boolean;

/** An in-process frago server on a real socket, with memory repository and storage. */
export interface TestServer {
  readonly origin: string;
  readonly endpoint: string;
  readonly frago: Frago;
  readonly storage: MemoryStorage;
  /** Every request seen, as `METHOD content-range`. */
  readonly requests: string[];
  /** Replaces the interceptor. */
  intercept(handler: Intercept | null): void;
  /** The assembled file of a completed upload. */
  assembled(uploadId: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

export async function startServer(options: Partial<Omit<FragoOptions, 'repository' | 'storage'>> = {}): Promise<TestServer> {
  const storage = new MemoryStorage();
  const repository = new MemoryRepository();
  const frago = createFrago({ repository, storage, ...options });
  const locations = new Map<string, string>();
  frago.events.on('upload:completed', ({ upload, location }) => locations.set(upload.id, location));
  const listener = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
  const requests: string[] = [];
  let interceptor: Intercept | null = null;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.headers['content-range'] ?? req.url}`);
    if (interceptor?.(req, res)) return;
    void listener(req, res);
  });
  const { origin, close } = await listen(server);
  return {
    origin,
    endpoint: `${origin}/upload`,
    frago,
    storage,
    requests,
    intercept: (handler) => {
      interceptor = handler;
    },
    async assembled(uploadId) {
      const location = locations.get(uploadId);
      const bytes = location === undefined ? undefined : storage.file(location);
      if (!bytes) throw new Error(`upload ${uploadId} has no assembled file`);
      return bytes;
    },
    close,
  };
}

/** Answers 503 with a frago-shaped error body. */
export function unavailable(res: ServerResponse): true {
  res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: false, error: 'REPOSITORY_FAILED', message: 'down' }));
  return true;
}
