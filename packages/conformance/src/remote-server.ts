import { createFrago, fragoFetch, type FragoEvents, type FragoOptions, type FragoProtocols, type ProtocolOptions, type UploadRepository } from '@frago/core';
import { DiskStorage } from '@frago/storage-disk';
import { testRequestIdentity } from './test-identity.js';

/**
 * What a server process under the HTTP suite is told (as JSON in the
 * `FRAGO_CONFORMANCE` environment variable): the suite's service options and the
 * folder its disk storage writes to.
 */
export interface RemoteServerConfig {
  readonly dataDir: string;
  /** A PostgreSQL database for the upload records; in memory without one. The server opens it. */
  readonly databaseUrl?: string;
  readonly options: Pick<FragoOptions, 'limits' | 'expirationMs' | 'bodyIdleTimeoutMs'> & Pick<ProtocolOptions, 'cors'> & Pick<FragoProtocols, 'companion'>;
  /** The suite's clock when it started the server, in epoch milliseconds. */
  readonly now: number;
}

/** Where the suite drives the server: its clock, its event log, its sweeper, its repository. */
export const CONTROL_PATH = '/__conformance';

/** The body of a control call (`POST <CONTROL_PATH>/<step>`). */
export interface ControlCall {
  /** The suite's clock, in epoch milliseconds: the server's clock from then on. */
  readonly now: number;
  /** `sync`: how many events the suite has already seen. */
  readonly from?: number;
  /** `claim`: a claim to record, as a process that dies before storing its chunk leaves one. */
  readonly claim?: { readonly uploadId: string; readonly start: number; readonly end: number; readonly claimId: string; readonly leaseUntil: number };
}

/** An event as the server saw it; Dates in its payload arrive as ISO strings. */
export interface RemoteEvent {
  readonly type: keyof FragoEvents;
  readonly payload: unknown;
}

/**
 * A Fetch handler for a server process that the HTTP suite tests from another process:
 * the frago API at `/upload` on `repository` and disk storage, identifying
 * callers by {@link testRequestIdentity}, plus the control routes under {@link CONTROL_PATH}
 * that stand in for what the suite reaches in-process elsewhere. Web APIs only, so any
 * Fetch runtime (Bun, Deno) serves it as it is.
 */
export function remoteConformanceHandler(config: RemoteServerConfig, repository: UploadRepository): (request: Request) => Promise<Response> {
  let clock = config.now;
  const storage = new DiskStorage({ directory: config.dataDir });
  const frago = createFrago({ repository, storage, ...config.options, now: () => new Date(clock) });
  const events: RemoteEvent[] = [];
  frago.events.on('*', (type, payload) => events.push({ type, payload }));
  const api = fragoFetch(frago, { identify: testRequestIdentity });

  const steps: Record<string, (call: ControlCall) => Promise<unknown>> = {
    sync: async ({ from = 0 }) => events.slice(from),
    sweep: () => frago.sweepExpired(),
    claim: async ({ claim, now }) => {
      if (claim === undefined) throw new Error('a claim call names its claim');
      const { uploadId, start, end, claimId, leaseUntil } = claim;
      return repository.claimRange(uploadId, { start, end }, { claimId, digest: null, leaseUntil: new Date(leaseUntil), now: new Date(now) });
    },
  };
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith(`${CONTROL_PATH}/`)) return api(request);
    const step = steps[pathname.slice(CONTROL_PATH.length + 1)];
    if (step === undefined || request.method !== 'POST') return Response.json({ error: 'no such control route' }, { status: 404 });
    const call = (await request.json()) as ControlCall;
    // Each call carries the suite's clock, so the server sees time as the suite does.
    clock = call.now;
    return Response.json(await step(call));
  };
}
