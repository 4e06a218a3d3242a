import { AsyncLocalStorage } from 'node:async_hooks';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { wrapPort, type FragoInstrumentation, type PortCallObserver } from '@frago/core';
import { createMetrics, type FragoMetrics } from './metrics.js';

/** Options of {@link prometheusInstrumentation}. */
export interface PrometheusOptions {
  /** Where the metrics are registered. Default: a new registry of their own. */
  readonly registry?: Registry;
  /** Starts every metric name. Default `frago_`. */
  readonly prefix?: string;
  /** Also collect prom-client's process metrics (CPU, memory, event loop lag ...) into the registry. Default true. */
  readonly processMetrics?: boolean;
}

/** frago's Prometheus instrumentation and the registry to expose. */
export interface PrometheusInstrumentation extends FragoInstrumentation {
  readonly registry: Registry;
  readonly metrics: FragoMetrics;
}

// An event outside any request (an expiry found by the sweeper) cannot say which
// protocol created its upload.
const NO_REQUEST = 'unknown';

function countFailures(counter: FragoMetrics['repositoryErrors']): PortCallObserver {
  return (method) => (error) => {
    if (error !== undefined) counter.inc({ method });
  };
}

/**
 * Prometheus metrics for a frago, through prom-client: pass it as `instrumentation` to
 * `createFrago` and serve `registry.metrics()` (with `registry.contentType`) at
 * `/metrics`. Counts uploads started, completed, failed, aborted and expired, bytes
 * received, chunk and finalize durations, checksum lag, live claims, and repository and
 * storage errors, with prom-client's process metrics beside them.
 *
 * @example
 * ```ts
 * const prometheus = prometheusInstrumentation();
 * const frago = createFrago({ repository, storage, instrumentation: prometheus });
 * app.get('/metrics', async (_req, res) => res.type(prometheus.registry.contentType).send(await prometheus.registry.metrics()));
 * ```
 */
export function prometheusInstrumentation(options: PrometheusOptions = {}): PrometheusInstrumentation {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry, options.prefix ?? 'frago_');
  // Events are emitted inside the request that causes them; this names its protocol.
  const requestProtocol = new AsyncLocalStorage<string>();
  const label = () => ({ protocol: requestProtocol.getStore() ?? NO_REQUEST });
  return {
    registry,
    metrics,
    events(events) {
      events.on('upload:started', () => metrics.started.inc(label()));
      events.on('upload:completed', () => metrics.completed.inc(label()));
      events.on('checksum:failed', () => metrics.failed.inc(label()));
      events.on('upload:aborted', () => metrics.aborted.inc(label()));
      events.on('upload:expired', () => metrics.expired.inc(label()));
      events.on('chunk:received', ({ upload, range, duplicate }) => {
        if (duplicate) return;
        const labels = label();
        metrics.receivedBytes.inc(labels, range.end - range.start + 1);
        metrics.checksumLagBytes.observe(labels, Math.max(0, range.end + 1 - upload.hash.offset));
      });
    },
    repository: (repository) => wrapPort(repository, countFailures(metrics.repositoryErrors)),
    storage: (storage) => wrapPort(storage, countFailures(metrics.storageErrors)),
    request(facts, next) {
      return requestProtocol.run(facts.protocol, async () => {
        if (facts.operation !== 'chunk') return next();
        const protocol = { protocol: facts.protocol };
        metrics.liveClaims.inc(protocol);
        try {
          return await next();
        } finally {
          metrics.liveClaims.dec(protocol);
        }
      });
    },
    answered(request) {
      const seconds = request.durationMs / 1000;
      const protocol = { protocol: request.protocol };
      const labels = { ...protocol, status: String(request.status) };
      if (request.operation === 'chunk') metrics.chunkSeconds.observe(labels, seconds);
      if (request.operation !== 'finalize') return;
      metrics.finalizeSeconds.observe(labels, seconds);
      if (request.error !== undefined) metrics.failed.inc(protocol);
    },
  };
}
