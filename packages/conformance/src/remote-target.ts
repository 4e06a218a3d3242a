import { createEmitter, type ClaimResult, type FragoEvents } from '@frago/core';
import type { HttpSuiteOptions, HttpTarget } from './http.js';
import { diskFiles } from './disk-files.js';
import { CONTROL_PATH, type ControlCall, type RemoteEvent } from './remote-server.js';

/** A server process serving {@link remoteConformanceHandler}, as the test started it. */
export interface RemoteServer {
  readonly origin: string;
  /** The folder its disk storage writes to. */
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * The HTTP suite's target for a server in another process (a Bun or Deno server, say):
 * what the suite reaches in-process elsewhere (events, the clock, the sweeper, a claim
 * left behind) goes through the server's control routes, and assembled files are read
 * from its data folder.
 */
export function remoteTarget(server: RemoteServer, options: HttpSuiteOptions): HttpTarget {
  const events = createEmitter();
  const now = options.now ?? (() => new Date());
  async function control<T>(step: string, call: Omit<ControlCall, 'now'> = {}): Promise<T> {
    const response = await fetch(`${server.origin}${CONTROL_PATH}/${step}`, { method: 'POST', body: JSON.stringify({ ...call, now: now().getTime() }) });
    if (!response.ok) throw new Error(`control call ${step} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }
  // One sync at a time, so that two requests in parallel never deliver an event twice.
  let seen = 0;
  let syncing: Promise<void> = Promise.resolve();
  const pull = async () => {
    const fresh = await control<RemoteEvent[]>('sync', { from: seen });
    seen += fresh.length;
    for (const { type, payload } of fresh) events.emit(type, payload as FragoEvents[typeof type]);
  };
  return {
    origin: server.origin,
    frago: {
      events,
      sweepExpired: () => control<number>('sweep'),
    },
    repository: {
      claimRange: (uploadId, range, claim) =>
        // The result's records arrive with their dates as strings; the suite reads its kind.
        control<ClaimResult>('claim', { claim: { uploadId, ...range, claimId: claim.claimId, leaseUntil: claim.leaseUntil.getTime() } }),
    },
    sync: () => (syncing = syncing.catch(() => undefined).then(pull)),
    ...diskFiles(server.dataDir),
    secrets: [server.dataDir],
    close: () => server.close(),
  };
}
