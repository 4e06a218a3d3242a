import { testNodeIdentity } from '@frago/conformance';
import { createCustomServer } from '../examples/custom-server/src/app.js';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('plain node:http (examples/custom-server)', (frago) =>
  createCustomServer(frago, { identify: testNodeIdentity }),
);
