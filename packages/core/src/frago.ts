import { createEmitter, type FragoEmitter } from './events.js';
import { checkReadiness, type Readiness } from './health.js';
import type { FragoInstrumentation } from './instrumentation.js';
import { silentLogger } from './logger.js';
import { observeHandler } from './observed-handler.js';
import { resolveOptions, type FragoOptions } from './options.js';
import type { FragoHandler, ProtocolOptions } from './protocol.js';
import { createHttpHandler } from './protocol/frago/index.js';
import { serveAll } from './protocol/mounts.js';
import { createCompanionHandler, type CompanionOptions } from './protocol/companion/index.js';
import { createTusHandler, type TusOptions } from './protocol/tus/index.js';
import { UploadService } from './service.js';

/** A configured frago: the upload service, its events and its HTTP handler. */
export interface Frago {
  readonly service: UploadService;
  readonly events: FragoEmitter;
  /** The frago HTTP API (and tus, when on) as a function; adapters mount it. */
  readonly handle: FragoHandler;
  /** Deletes the bytes and records of expired uploads; see {@link UploadService.sweepExpired}. */
  sweepExpired(): Promise<number>;
  /**
   * Runs {@link Frago.sweepExpired} every `intervalMs` (default one minute) until the
   * returned function is called. Errors do not stop it: they are passed to `onError`
   * when given, and otherwise logged and emitted as an `error` event.
   */
  startSweeper(intervalMs?: number, onError?: (error: unknown) => void): () => void;
  /** Whether the repository and the storage answer (their `ping`), each within `timeoutMs` (default 2 s). */
  readiness(timeoutMs?: number): Promise<Readiness>;
}

/** Which protocols {@link createFrago} serves besides frago's own API. */
export interface FragoProtocols {
  /**
   * Serves tus 1.0.0 (`true` at `/files`, or with {@link TusOptions}) through the same
   * {@link Frago.handle}, so every adapter mounting it serves both. Off by default.
   */
  readonly tus?: boolean | TusOptions;
  /**
   * Serves the Companion-style S3 endpoints `@uppy/aws-s3` calls (`true` at `/s3`, or
   * with {@link CompanionOptions}): multipart uploads go direct, which needs a storage
   * that takes direct uploads (`@frago/storage-s3`); small files are posted to frago as
   * forms, on any storage. Off by default.
   */
  readonly companion?: boolean | CompanionOptions;
}

/**
 * Creates a frago from a repository and a storage.
 *
 * @example
 * ```ts
 * const frago = createFrago({ repository: new MemoryRepository(), storage: new MemoryStorage() });
 * frago.events.on('upload:completed', ({ upload, location }) => console.log(upload.filename, location));
 * ```
 */
export function createFrago(options: FragoOptions & ProtocolOptions & FragoProtocols): Frago {
  const events = options.events ?? createEmitter();
  const logger = options.logger ?? silentLogger;
  const instrumentation: readonly FragoInstrumentation[] = [options.instrumentation ?? []].flat();
  for (const item of instrumentation) item.events?.(events);
  const repository = instrumentation.reduce((port, item) => item.repository?.(port) ?? port, options.repository);
  const storage = instrumentation.reduce((port, item) => item.storage?.(port) ?? port, options.storage);
  const service = new UploadService(resolveOptions({ ...options, repository, storage }), events);
  const frago = createHttpHandler(service, options);
  const tus = options.tus === true ? {} : options.tus || undefined;
  const companion = options.companion === true ? {} : options.companion || undefined;
  const others = [
    ...(tus === undefined ? [] : [createTusHandler(service, { ...tus, cors: options.cors })]),
    ...(companion === undefined ? [] : [createCompanionHandler(service, { ...companion, cors: options.cors })]),
  ];
  const served = others.length === 0 ? frago : serveAll(frago, ...others);
  const handle = observeHandler(served, { logger, events, instrumentation });
  const sweepFailed = (error: unknown) => {
    logger.error({ err: error }, 'sweep failed');
    events.emit('error', { error, source: 'sweeper' });
  };
  return {
    service,
    events,
    handle,
    sweepExpired: () => service.sweepExpired(),
    startSweeper(intervalMs = 60_000, onError = sweepFailed) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        service
          .sweepExpired()
          .catch(onError)
          .finally(() => {
            running = false;
          });
      }, intervalMs);
      timer.unref?.();
      return () => clearInterval(timer);
    },
    readiness: (timeoutMs) => checkReadiness(options.repository, options.storage, timeoutMs),
  };
}
