import type { IncomingMessage, ServerResponse } from 'node:http';
import { readinessAnswer, type Readiness } from '../health.js';
import type { FragoLogger } from '../logger.js';

/** Options of {@link createProbeListener}. */
export interface ProbeOptions {
  /** What `/readyz` checks; usually `frago.readiness`. */
  readonly readiness: () => Promise<Readiness>;
  /** True once the server is draining (after SIGTERM): `/readyz` then answers 503 `draining`. */
  readonly draining: () => boolean;
  /** Where a failed readiness check is logged (at `warn`). */
  readonly logger?: FragoLogger;
  /** Default `/healthz`. */
  readonly livePath?: string;
  /** Default `/readyz`. */
  readonly readyPath?: string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A Node `(req, res, next)` listener for load balancers and orchestrators:
 * `GET /healthz` answers 200 `{"status":"ok"}` while the process runs; `GET /readyz`
 * answers 200 `{"status":"ready"}` when the repository and the storage answer, 503
 * `{"status":"not_ready"}` when one does not (the failure is logged, never answered),
 * and 503 `{"status":"draining"}` while draining. Other requests go to `next`.
 */
export function createProbeListener(
  options: ProbeOptions,
): (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<void> {
  const { livePath = '/healthz', readyPath = '/readyz', logger } = options;
  return async (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return next?.();
    if (path === livePath) return send(res, 200, { status: 'ok' });
    if (path !== readyPath) return next?.();
    const answer = await readinessAnswer(options.readiness, options.draining(), (errors) =>
      logger?.warn({ err: errors.repository ?? errors.storage, errors }, 'not ready'),
    );
    send(res, answer.status, answer.body);
  };
}
