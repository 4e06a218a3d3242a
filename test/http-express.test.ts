import { createServer } from 'node:http';
import express from 'express';
import { testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('Express', (frago) => {
  const app = express();
  app.use(fragoExpress(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER], req.headers.origin) }));
  return createServer(app);
});
