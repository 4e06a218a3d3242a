import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { wrapPort, type FragoInstrumentation, type PortCallObserver } from '@frago/core';

/** Options of {@link openTelemetryInstrumentation}. */
export interface OpenTelemetryOptions {
  /** The tracer to use. Default: the global provider's tracer named `@frago/opentelemetry`, looked up at each span. */
  readonly tracer?: Tracer;
}

const TRACED = new Set(['chunk', 'finalize']);

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * Traces for a frago through `@opentelemetry/api`: pass it as `instrumentation` to
 * `createFrago`. A span around each chunk (`frago chunk`) and each finalize (`frago
 * finalize`), and one around every repository (`frago.repository <method>`) and storage
 * (`frago.storage <method>`) call, which are children of the request's span when a
 * context manager carries it. Nothing is recorded until the application registers an
 * OpenTelemetry SDK: the API's default tracer does nothing.
 *
 * @example
 * ```ts
 * const frago = createFrago({ repository, storage, instrumentation: openTelemetryInstrumentation() });
 * ```
 */
export function openTelemetryInstrumentation(options: OpenTelemetryOptions = {}): FragoInstrumentation {
  const tracer = () => options.tracer ?? trace.getTracer('@frago/opentelemetry');
  const ports =
    (port: 'repository' | 'storage'): PortCallObserver =>
    (method) => {
      const span = tracer().startSpan(`frago.${port} ${method}`, { kind: SpanKind.INTERNAL, attributes: { 'frago.port': port, 'frago.method': method } });
      return (error) => {
        if (error !== undefined) failed(span, error);
        span.end();
      };
    };
  return {
    repository: (repository) => wrapPort(repository, ports('repository')),
    storage: (storage) => wrapPort(storage, ports('storage')),
    request(facts, next) {
      if (!TRACED.has(facts.operation)) return next();
      const attributes = { 'http.request.method': facts.method, 'http.route': facts.route, 'frago.protocol': facts.protocol, 'frago.operation': facts.operation };
      return tracer().startActiveSpan(`frago ${facts.operation}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
        try {
          const response = await next();
          span.setAttributes({
            'http.response.status_code': response.status,
            'frago.bytes': facts.bytes,
            ...(facts.uploadId === null ? {} : { 'frago.upload_id': facts.uploadId }),
          });
          if (response.error !== undefined) failed(span, response.error);
          return response;
        } finally {
          span.end();
        }
      });
    },
  };
}
