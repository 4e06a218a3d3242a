import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { errorResponse, FragoError } from '@frago/core';
import { sendFragoResponse } from '@frago/core/node';

/** How a shutdown ended. */
export interface ShutdownReport {
  /** Requests still running when the grace period ended, whose connections were closed. */
  readonly abandoned: number;
}

/** Options of {@link GracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** How long running requests may take to finish before their connections are closed. */
  readonly graceMs: number;
  /** Resolves once the application has no work left (e.g. claims of cut-off chunks released). */
  readonly settled: () => Promise<void>;
  /** The longest wait for {@link GracefulShutdownOptions.settled} after connections were closed. */
  readonly settleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Stops an HTTP server without cutting what it is doing: it stops listening, closes
 * idle keep-alive connections, answers requests that still arrive with
 * `503 SHUTTING_DOWN`, and lets running requests finish within a grace period. After
 * that, the remaining connections are closed: a chunk cut off that way records
 * nothing and its claim is released, so a restarted server continues every upload.
 */
export class GracefulShutdown {
  private closing = false;
  private readonly running = new Set<ServerResponse>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly server: Server,
    private readonly options: GracefulShutdownOptions,
  ) {}

  /** Wraps the application's listener, so that requests are counted and refused once closing. */
  listener(app: RequestListener): RequestListener {
    return (req, res) => {
      if (this.closing) return refuse(req, res);
      this.running.add(res);
      res.once('close', () => {
        this.running.delete(res);
        if (this.running.size === 0) this.drained?.();
      });
      app(req, res);
    };
  }

  /** Stops the server; resolves once every connection is closed and the application has settled. */
  async shutdown(): Promise<ShutdownReport> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Each running request is the last on its connection.
    for (const res of this.running) if (!res.headersSent) res.setHeader('connection', 'close');
    this.server.closeIdleConnections();
    const finished = new Promise<boolean>((resolve) => {
      this.drained = () => resolve(true);
      if (this.running.size === 0) resolve(true);
    });
    const drained = await Promise.race([finished, sleep(this.options.graceMs).then(() => false)]);
    const abandoned = drained ? 0 : this.running.size;
    if (drained) this.server.closeIdleConnections();
    else this.server.closeAllConnections();
    await Promise.race([this.options.settled(), sleep(this.options.settleMs ?? 5000)]);
    await closed;
    return { abandoned };
  }
}

function refuse(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  res.setHeader('retry-after', '1');
  sendFragoResponse(req, res, errorResponse(new FragoError('SHUTTING_DOWN', 'The server is shutting down; retry shortly')));
}
