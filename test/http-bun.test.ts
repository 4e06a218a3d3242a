import { bun } from './support/runtimes.js';
import { describeRuntimeConformance } from './support/runtime-target.js';

// The suite runs here on Node; the server is a Bun process serving the Fetch handler
// with Bun.serve, as examples/bun-server does.
describeRuntimeConformance('Bun (Bun.serve on the Fetch handler)', bun, 'bun-conformance-server.ts');
