import { describeHttpConformance } from '@frago/conformance';
import { deno } from './support/runtimes.js';
import { runtimeTarget } from './support/runtime-target.js';

// The suite runs here on Node; the server is a Deno process serving the Fetch handler
// with Deno.serve, on an in-memory repository and disk storage, offline.
describeHttpConformance('Deno (Deno.serve on the Fetch handler), memory and disk', (options) =>
  runtimeTarget(deno(), 'deno-conformance-server.ts', options),
);
