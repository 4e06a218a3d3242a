import { createHash, randomBytes } from 'node:crypto';
import { FragoError, type Identity } from '@frago/core';

/** A device allowed to upload, as a row of a device table holds it. */
export interface Device {
  readonly id: string;
  readonly name: string;
  /** A disabled device is known but refused (403), e.g. a lost drone. */
  readonly enabled: boolean;
}

/** The header a device sends its token in. */
export const DEVICE_TOKEN_HEADER = 'x-device-token';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The device table. Tokens are kept only as SHA-256 digests, so the table does not
 * leak them; a real application would keep the same rows in its database.
 */
export class DeviceRegistry {
  private readonly byDigest = new Map<string, Device>();

  /** Registers `device` and returns its new token, to hand to the device once. */
  register(device: Device): string {
    const token = randomBytes(24).toString('base64url');
    this.byDigest.set(digest(token), device);
    return token;
  }

  /** The device a header value names, or undefined for none or an unknown token. */
  find(token: string | string[] | undefined): Device | undefined {
    return typeof token === 'string' && token !== '' ? this.byDigest.get(digest(token)) : undefined;
  }
}

/**
 * The frago identity of a device: uploads it starts are owned by `device:<id>`, and
 * no other device can see or touch them.
 *
 * @throws {FragoError} `UNAUTHENTICATED` (401) without a known device; `FORBIDDEN`
 *   (403) for a disabled one.
 */
export function deviceIdentity(device: Device | undefined): Identity {
  if (device === undefined) throw new FragoError('UNAUTHENTICATED', `Send a known device token in ${DEVICE_TOKEN_HEADER}`);
  if (!device.enabled) throw new FragoError('FORBIDDEN', 'This device is disabled');
  return { kind: 'device', id: device.id };
}
