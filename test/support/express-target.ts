import { createServer } from 'node:http';
import express from 'express';
import type { Frago } from '@frago/core';
import { listen, testNodeIdentity } from '@frago/conformance';
import { fragoExpress } from '@frago/express';

/** Serves `frago` with Express on a free port, the caller read from the HTTP suite's test header. */
export async function serveWithExpress(frago: Frago): Promise<{ origin: string; close: () => Promise<void> }> {
  const app = express();
  app.use(fragoExpress(frago, { identify: testNodeIdentity }));
  return listen(createServer(app));
}
