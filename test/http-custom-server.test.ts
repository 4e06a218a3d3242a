import { testIdentity, TEST_USER_HEADER } from '@frago/conformance';
import { createCustomServer } from '../examples/custom-server/src/app.js';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('plain node:http (examples/custom-server)', (frago) =>
  createCustomServer(frago, { identify: (req) => testIdentity(req.headers[TEST_USER_HEADER], req.headers.origin) }),
);
