import { createEmitter, type FragoEmitter } from './events.js';
import { resolveOptions, type FragoOptions } from './options.js';
import type { FragoHandler, ProtocolOptions } from './protocol.js';
import { createHttpHandler } from './protocol/frago/index.js';
import { serveAll } from './protocol/mounts.js';
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
   * returned function is called. Errors are passed to `onError` and do not stop it.
   */
  startSweeper(intervalMs?: number, onError?: (error: unknown) => void): () => void;
}

/** Which protocols {@link createFrago} serves besides frago's own API. */
export interface FragoProtocols {
  /**
   * Serves tus 1.0.0 (`true` at `/files`, or with {@link TusOptions}) through the same
   * {@link Frago.handle}, so every adapter mounting it serves both. Off by default.
   */
  readonly tus?: boolean | TusOptions;
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
  const service = new UploadService(resolveOptions(options), events);
  const frago = createHttpHandler(service, options);
  const tus = options.tus === true ? {} : options.tus || undefined;
  const handle = tus === undefined ? frago : serveAll(frago, createTusHandler(service, { ...tus, cors: options.cors }));
  return {
    service,
    events,
    handle,
    sweepExpired: () => service.sweepExpired(),
    startSweeper(intervalMs = 60_000, onError = () => undefined) {
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
  };
}
