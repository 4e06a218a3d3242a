import { deno } from './support/runtimes.js';
import { describeRuntimeConformance } from './support/runtime-target.js';

// The suite runs here on Node; the server is a Deno process serving the Fetch handler
// with Deno.serve, as examples/deno-server does, with no network access for packages.
describeRuntimeConformance('Deno (Deno.serve on the Fetch handler)', deno, 'deno-conformance-server.ts');
