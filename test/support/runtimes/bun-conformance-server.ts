import { remoteConformanceHandler, type RemoteServerConfig } from '@frago/conformance/remote-server';
import { serveWithBun } from '../../../examples/bun-server/src/serve.ts';
import { openRepository } from './repository.ts';

// The HTTP suite's server on Bun, served as examples/bun-server serves frago.
const config = JSON.parse(process.env.FRAGO_CONFORMANCE ?? '') as RemoteServerConfig;
const handler = remoteConformanceHandler(config, await openRepository(config.databaseUrl));
const server = serveWithBun(handler, { hostname: '127.0.0.1', port: 0 });
console.log(`listening on ${server.origin}`);
