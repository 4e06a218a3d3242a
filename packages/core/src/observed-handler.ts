import type { FragoHandler, FragoResponse } from './protocol.js';
import type { FragoEmitter } from './events.js';
import type { FragoInstrumentation } from './instrumentation.js';
import { silentLogger, type FragoLogger } from './logger.js';
import { observedRequest, type AnsweredRequest, type RequestFacts } from './request-facts.js';

/** What {@link observeHandler} reports to. */
export interface HandlerObservers {
  readonly logger: FragoLogger;
  readonly events: FragoEmitter;
  readonly instrumentation: readonly FragoInstrumentation[];
}

function errorCode(response: FragoResponse): string | undefined {
  const body = response.body as { error?: unknown } | null;
  return typeof body?.error === 'string' ? body.error : undefined;
}

/** Writes the one line a request gets: `info` when it was served or refused, `error` with its cause when the server failed. */
function logRequest(logger: FragoLogger, request: AnsweredRequest, code: string | undefined): void {
  const fields = {
    protocol: request.protocol,
    method: request.method,
    route: request.route,
    operation: request.operation,
    status: request.status,
    durationMs: Math.round(request.durationMs * 10) / 10,
    uploadId: request.uploadId,
    identity: request.identityKind,
    bytes: request.bytes,
    ...(code === undefined ? {} : { code }),
  };
  if (request.error !== undefined) logger.error({ ...fields, err: request.error }, 'request failed');
  else logger.info(fields, 'request');
}

/**
 * The handler with every request observed: one log line each, an `error` event for
 * each server failure (with the cause the response keeps out of its body), and the
 * instrumentation's `request` and `answered` callbacks. Still never throws.
 */
export function observeHandler(handle: FragoHandler, observers: HandlerObservers): FragoHandler {
  const { logger, events, instrumentation } = observers;
  const around = (facts: RequestFacts, run: () => Promise<FragoResponse>): Promise<FragoResponse> =>
    instrumentation.reduceRight<() => Promise<FragoResponse>>(
      (next, { request }) => (request === undefined ? next : () => request(facts, next)),
      run,
    )();

  // Counting body bytes wraps every piece of every body; it is only paid for when
  // something reads the count (a logger, instrumentation, an `error` listener).
  const counted = () =>
    logger !== silentLogger || instrumentation.length > 0 || (events.all.get('error')?.length ?? 0) > 0 || (events.all.get('*')?.length ?? 0) > 0;

  const observed = async (request: Parameters<FragoHandler>[0]): Promise<FragoResponse> => {
    const started = performance.now();
    const { route, answers } = handle.describe(request);
    const facts: RequestFacts = { ...route, method: request.method.toUpperCase(), identityKind: request.identity?.kind ?? null, bytes: 0 };
    const seen = counted() ? observedRequest(request, facts) : request;
    let response: FragoResponse;
    try {
      response = await around(facts, () => handle(seen));
    } catch (error) {
      response = answers.error(error);
    }
    if (facts.operation === 'create' && response.status < 300) facts.uploadId = answers.created(response);
    const answered: AnsweredRequest = {
      ...facts,
      status: response.status,
      durationMs: performance.now() - started,
      ...(response.error === undefined ? {} : { error: response.error }),
    };
    if (response.error !== undefined) events.emit('error', { error: response.error, source: 'request', request: answered });
    logRequest(logger, answered, errorCode(response));
    for (const item of instrumentation) item.answered?.(answered);
    return response;
  };
  return Object.assign(observed, { owns: handle.owns, basePath: handle.basePath, mounts: handle.mounts, describe: handle.describe });
}
