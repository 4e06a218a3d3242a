import { createServer } from 'node:http';
import { H3 } from 'h3';
import { toNodeHandler } from 'h3/node';
import { testRequestIdentity } from '@frago/conformance';
import { fragoH3 } from '@frago/h3';
import { describeAdapterMatrix } from './support/http-matrix.js';

describeAdapterMatrix('h3', (frago) => {
  const app = new H3().use(fragoH3(frago, { identify: (event) => testRequestIdentity(event.req) }));
  return createServer(toNodeHandler(app));
});
