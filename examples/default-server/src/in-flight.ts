import type { FragoHandler } from '@frago/core';

/** A frago handler that knows how many of its calls are still running. */
export interface CountedHandler {
  readonly handle: FragoHandler;
  /** Calls still running, including those whose client already went away. */
  readonly active: number;
  /** Resolves once no call is running (at once when none is). */
  idle(): Promise<void>;
}

/**
 * Counts the calls of a frago handler until they settle. A response can close long
 * before its call is done (a client that went away mid-chunk leaves its claim to be
 * released), so a shutdown waits for this, not for open connections, before it closes
 * the database.
 */
export function countCalls(handle: FragoHandler): CountedHandler {
  let active = 0;
  let waiters: Array<() => void> = [];
  const settle = () => {
    active -= 1;
    if (active > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  const counted = async (request: Parameters<FragoHandler>[0]) => {
    active += 1;
    try {
      return await handle(request);
    } finally {
      settle();
    }
  };
  return {
    handle: Object.assign(counted, { owns: handle.owns, basePath: handle.basePath, mounts: handle.mounts, describe: handle.describe }),
    get active() {
      return active;
    },
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
  };
}
