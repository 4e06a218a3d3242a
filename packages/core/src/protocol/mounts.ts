import type { FragoHandler, FragoRequest } from '../protocol.js';

/**
 * One handler serving several protocols, each at its own base path: a request goes to
 * the protocol whose base it is under, and anything else to the first, which answers
 * it with its 404. `basePath` is the first's.
 *
 * @throws {Error} when one base path lies under another (a request would belong to both).
 */
export function serveAll(first: FragoHandler, ...others: readonly FragoHandler[]): FragoHandler {
  const handlers = [first, ...others];
  const mounts = handlers.flatMap((handler) => handler.mounts);
  for (const handler of handlers) {
    const clash = mounts.find((mount) => !handler.mounts.includes(mount) && handler.owns(mount));
    if (clash !== undefined) throw new Error(`The base paths ${handler.basePath} and ${clash} overlap; mount them apart`);
  }
  const owner = (path: string): FragoHandler => handlers.find((handler) => handler.owns(path)) ?? first;
  const handle = (request: FragoRequest) => owner(request.path)(request);
  return Object.assign(handle, {
    owns: (path: string) => handlers.some((handler) => handler.owns(path)),
    basePath: first.basePath,
    mounts,
    describe: (request: FragoRequest) => owner(request.path).describe(request),
  });
}
