import type { FragoResponse } from '../../protocol.js';
import { tusResponse } from './responses.js';
import type { TusContext } from './route-context.js';
import { TUS_CHECKSUM_ALGORITHMS, TUS_EXTENSIONS, TUS_VERSION } from './wire.js';

/** `OPTIONS`: what this server speaks (version, extensions, largest upload, checksum algorithms). */
export async function describeServer({ service }: TusContext): Promise<FragoResponse> {
  return tusResponse(204, {
    'tus-version': TUS_VERSION,
    'tus-extension': TUS_EXTENSIONS.join(','),
    'tus-max-size': String(service.limits.maxUploadSize),
    'tus-checksum-algorithm': Object.keys(TUS_CHECKSUM_ALGORITHMS).join(','),
  });
}
