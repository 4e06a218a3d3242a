import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';
import type { Frago } from '@frago/core';
import { fragoFastify } from '@frago/fastify';
import { DEVICE_TOKEN_HEADER, deviceIdentity, type Device, type DeviceRegistry } from './devices.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling device, set by the authentication hook. */
    device?: Device;
  }
}

/** Fastify: an `onRequest` hook decorates the request with its device; frago reads it. */
export async function fastifyDeviceServer(frago: Frago, devices: DeviceRegistry): Promise<Server> {
  const app = Fastify({ serverFactory: (handler) => createServer(handler) });
  app.decorateRequest('device', undefined);
  app.addHook('onRequest', async (request) => {
    request.device = devices.find(request.headers[DEVICE_TOKEN_HEADER]);
  });
  await app.register(fragoFastify, { frago, identify: (request) => deviceIdentity(request.device) });
  await app.ready();
  return app.server;
}
