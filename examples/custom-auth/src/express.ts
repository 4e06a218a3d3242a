import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Frago } from '@frago/core';
import { fragoExpress } from '@frago/express';
import { DEVICE_TOKEN_HEADER, deviceIdentity, type DeviceRegistry } from './devices.js';

/** Express: the device is looked up from its token header on every frago call. */
export function expressDeviceServer(frago: Frago, devices: DeviceRegistry): Server {
  const app = express();
  app.use(fragoExpress(frago, { identify: (req) => deviceIdentity(devices.find(req.get(DEVICE_TOKEN_HEADER))) }));
  return createServer(app);
}
