import { createServer, type Server } from 'node:http';
import { H3 } from 'h3';
import { toNodeHandler } from 'h3/node';
import type { Frago } from '@frago/core';
import { fragoH3 } from '@frago/h3';
import { DEVICE_TOKEN_HEADER, deviceIdentity, type Device, type DeviceRegistry } from './devices.js';

declare module 'h3' {
  interface H3EventContext {
    /** The calling device, set by the authentication middleware. */
    device?: Device;
  }
}

/** h3: a middleware puts the device on `event.context`; frago reads it. */
export function h3DeviceServer(frago: Frago, devices: DeviceRegistry): Server {
  const app = new H3()
    .use((event) => {
      event.context.device = devices.find(event.req.headers.get(DEVICE_TOKEN_HEADER) ?? undefined);
    })
    .use(fragoH3(frago, { identify: (event) => deviceIdentity(event.context.device) }));
  return createServer(toNodeHandler(app));
}
