import { describeHttpConformance } from '@frago/conformance';
import { bun } from './support/runtimes.js';
import { runtimeTarget } from './support/runtime-target.js';

// The suite runs here on Node; the server is a Bun process serving the Fetch handler
// with Bun.serve, on an in-memory repository and disk storage.
describeHttpConformance('Bun (Bun.serve on the Fetch handler), memory and disk', (options) =>
  runtimeTarget(bun(), 'bun-conformance-server.ts', options),
);
