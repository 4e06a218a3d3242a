import type { FragoEmitter } from './events.js';
import type { Storage, UploadRepository } from './ports.js';
import type { FragoResponse } from './protocol.js';
import type { AnsweredRequest, RequestFacts } from './request-facts.js';

/**
 * A way to observe frago (metrics, traces) without the core depending on it. Every
 * member is optional; `@frago/prometheus` and `@frago/opentelemetry` are built on it.
 * None of them may change what frago does: wrappers call through, and what they throw
 * from a callback other than `request` is their own bug.
 */
export interface FragoInstrumentation {
  /** Called once with frago's emitter, to subscribe to its events. */
  readonly events?: (events: FragoEmitter) => void;
  /** Wraps the repository the service uses (e.g. with {@link wrapPort}). */
  readonly repository?: (repository: UploadRepository) => UploadRepository;
  /** Wraps the storage the service uses. Must keep which optional methods exist. */
  readonly storage?: (storage: Storage) => Storage;
  /**
   * Runs around every request of the HTTP API; must call `next` once and return what
   * it resolves with. `facts` fills in while the request runs.
   */
  readonly request?: (facts: Readonly<RequestFacts>, next: () => Promise<FragoResponse>) => Promise<FragoResponse>;
  /** Called once a request has been answered. */
  readonly answered?: (request: AnsweredRequest) => void;
}

/** Called when a port call starts; what it returns is called once the call settled, with its error if it failed. */
export type PortCallObserver = (method: string) => (error?: unknown) => void;

/**
 * A port whose method calls are reported to `observe`: a promise-returning call when it
 * settles, any other call (a storage's `read` stream) when it returns. Properties pass
 * through, and a method the port lacks stays absent (the core asks whether a storage
 * has `seal`).
 */
export function wrapPort<T extends object>(port: T, observe: PortCallObserver): T {
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]): unknown => {
        const done = observe(property);
        let result: unknown;
        try {
          result = Reflect.apply(value, target, args);
        } catch (error) {
          done(error);
          throw error;
        }
        if (!(result instanceof Promise)) {
          done();
          return result;
        }
        return result.then(
          (settled: unknown) => {
            done();
            return settled;
          },
          (error: unknown) => {
            done(error);
            throw error;
          },
        );
      };
    },
  });
}
