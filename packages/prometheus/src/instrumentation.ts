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

// The only protocol there is so far; the label is there for when tus and IETF join it.
const PROTOCOL = 'frago';

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
  const protocol = { protocol: PROTOCOL };
  return {
    registry,
    metrics,
    events(events) {
      events.on('upload:started', () => metrics.started.inc(protocol));
      events.on('upload:completed', () => metrics.completed.inc(protocol));
      events.on('checksum:failed', () => metrics.failed.inc(protocol));
      events.on('upload:aborted', () => metrics.aborted.inc(protocol));
      events.on('upload:expired', () => metrics.expired.inc(protocol));
      events.on('chunk:received', ({ upload, range, duplicate }) => {
        if (duplicate) return;
        metrics.receivedBytes.inc(protocol, range.end - range.start + 1);
        metrics.checksumLagBytes.observe(protocol, Math.max(0, range.end + 1 - upload.hash.offset));
      });
    },
    repository: (repository) => wrapPort(repository, countFailures(metrics.repositoryErrors)),
    storage: (storage) => wrapPort(storage, countFailures(metrics.storageErrors)),
    async request(facts, next) {
      if (facts.operation !== 'chunk') return next();
      metrics.liveClaims.inc(protocol);
      try {
        return await next();
      } finally {
        metrics.liveClaims.dec(protocol);
      }
    },
    answered(request) {
      const seconds = request.durationMs / 1000;
      const labels = { ...protocol, status: String(request.status) };
      if (request.operation === 'chunk') metrics.chunkSeconds.observe(labels, seconds);
      if (request.operation !== 'finalize') return;
      metrics.finalizeSeconds.observe(labels, seconds);
      if (request.error !== undefined) metrics.failed.inc(protocol);
    },
  };
}
