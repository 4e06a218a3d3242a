import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { testRequestIdentity } from '@frago/conformance';
import { createHonoApp } from '../examples/hono-server/src/app.js';
import { describeAdapterMatrix } from './support/http-matrix.js';

// The Hono example on @hono/node-server, created but not yet listening (an HTTP/1 server without options).
describeAdapterMatrix('Hono on @hono/node-server (examples/hono-server)', (frago) =>
  createAdaptorServer({ fetch: createHonoApp(frago, { identify: testRequestIdentity }).fetch }) as Server,
);
