import { cancelledError, isFragoClientError, type FragoClientError } from './errors.js';
import { sleep } from './signals.js';

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first try; 0 never retries. */
  readonly retries: number;
  /** The delay before the first retry; it doubles with each retry. */
  readonly retryDelayMs: number;
  /** The longest delay between two tries. */
  readonly maxRetryDelayMs: number;
}

/** A retry about to happen, as progress listeners see it. */
export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: FragoClientError;
}

/**
 * The delay before retry number `attempt` (1-based): exponential, capped, with
 * jitter (between half and all of the exponential delay) so that many clients
 * failing together do not come back together. A `Retry-After` from the server is
 * honoured up to the cap.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxRetryDelayMs, policy.retryDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  const asked = retryAfterSeconds === undefined ? 0 : Math.min(policy.maxRetryDelayMs, retryAfterSeconds * 1000);
  return Math.round(Math.max(jittered, asked));
}

/**
 * Runs `task` until it succeeds, retrying errors marked retryable (network,
 * timeout, 5xx, 429, a range or finalize in progress elsewhere) up to
 * `policy.retries` times. Any other error is thrown at once.
 *
 * @throws {FragoClientError} the last error, or `CANCELLED` when `signal` aborts.
 */
export async function withRetries<T>(
  task: () => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (info: RetryInfo) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      if (signal.aborted) throw cancelledError(signal);
      if (!isFragoClientError(error) || !error.retryable || attempt > policy.retries) throw error;
      const delayMs = retryDelay(attempt, policy, error.retryAfterSeconds);
      onRetry?.({ attempt, delayMs, error });
      try {
        await sleep(delayMs, signal);
      } catch {
        throw cancelledError(signal);
      }
    }
  }
}
