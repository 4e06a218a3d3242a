import type { ClientRequest } from 'node:http';
import type { FragoEvents } from '@frago/core';
import type { HttpTarget } from './http.js';
import type { ResponseLog } from './leaks.js';
import type { RawOutcome, socketRequest } from './raw-http.js';

/** The answer of a call: its status, headers and JSON body. */
export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  // The suites read whatever the server sent.
  readonly body: Record<string, any>;
}

/** The HTTP suite's helpers, shared by its parts. Every response they get is recorded in `log`. */
export interface HttpSuiteContext {
  /** The server under test (available once the suite's `beforeAll` ran). */
  target(): HttpTarget;
  /** The API's base URL, `<origin>/upload`. */
  base(): string;
  /** The suite's limits, as given to the server. */
  readonly limits: { readonly maxChunkSize: number; readonly maxUploadSize: number; readonly maxJsonBytes: number; readonly maxActiveUploadsPerOwner: number };
  /** The idle timeout for chunk bodies given to the server, in milliseconds. */
  readonly bodyIdleTimeoutMs: number;
  /** Every event the frago emitted. */
  readonly events: ReadonlyArray<{ readonly type: keyof FragoEvents; readonly payload: unknown }>;
  /** Every response text the suite received. */
  readonly log: ResponseLog;
  /** A JSON (or bytes) call below the base path, as `user` (anonymous when absent). */
  call(method: string, path: string, init?: { body?: unknown; headers?: Record<string, string>; user?: string }): Promise<CallResult>;
  /** `fetch`, recording the response text. */
  send(url: string, init?: RequestInit): Promise<Response>;
  /** A request with a hand-written body (see {@link rawRequest}), recording the response. */
  raw(method: string, url: string, headers: Record<string, string>, write: (req: ClientRequest) => void): Promise<RawOutcome>;
  /** A request written byte for byte onto a socket (see {@link socketRequest}), recording the response. */
  socket(url: string, head: readonly string[], body: string | Uint8Array): Promise<RawOutcome>;
  /** Starts an upload of `totalSize` bytes and returns its id. */
  start(totalSize: number, extra?: Record<string, unknown>, user?: string): Promise<string>;
  /** Sends bytes `[start, end]` of `bytes` as one chunk. */
  put(id: string, bytes: Uint8Array, start: number, end: number, user?: string, headers?: Record<string, string>): Promise<CallResult>;
  /** The `location` of the upload's `upload:completed` event. */
  locationOf(id: string): string;
}
