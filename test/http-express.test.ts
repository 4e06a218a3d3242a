import { createServer } from 'node:http';
import express from 'express';
import { SQL_DRIVERS, testNodeIdentity } from '@frago/conformance';
import { fragoExpress } from '@frago/express';
import { describeAdapterMatrix } from './support/http-matrix.js';

// Express is the adapter every SQL driver runs the whole HTTP suite on.
describeAdapterMatrix(
  'Express',
  (frago) => {
    const app = express();
    app.use(fragoExpress(frago, { identify: testNodeIdentity }));
    return createServer(app);
  },
  ['memory', ...SQL_DRIVERS],
);
