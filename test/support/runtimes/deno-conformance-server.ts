import { remoteConformanceHandler, type RemoteServerConfig } from '@frago/conformance/remote-server';
import { serveWithDeno } from '../../../examples/deno-server/src/serve.ts';
import { openRepository } from './repository.ts';

declare const Deno: { env: { get(name: string): string | undefined } };

// The HTTP suite's server on Deno, served as examples/deno-server serves frago.
const config = JSON.parse(Deno.env.get('FRAGO_CONFORMANCE') ?? '') as RemoteServerConfig;
const handler = remoteConformanceHandler(config, await openRepository(config.databaseUrl));
const server = await serveWithDeno(handler, { hostname: '127.0.0.1', port: 0 });
console.log(`listening on ${server.origin}`);
