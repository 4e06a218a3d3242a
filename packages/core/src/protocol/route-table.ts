import { FragoError } from '../errors.js';

/**
 * A protocol's handlers by method, on its collection (the base), on one upload
 * (`<base>/:id`) and, when it has them, on an upload's parts (`<base>/:id/parts`).
 */
export type RouteTable<Handler> = Readonly<Record<'collection' | 'upload', Readonly<Record<string, Handler>>>> & {
  readonly parts?: Readonly<Record<string, Handler>>;
};

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The handler of `routes` for `method` on `rest` (the path below the base, without
 * slashes around it), and the upload id `rest` names (empty on the collection).
 *
 * @throws {FragoError} `ROUTE_NOT_FOUND`, `INVALID_UPLOAD_ID`, `METHOD_NOT_ALLOWED`.
 */
export function routeIn<Handler>(routes: RouteTable<Handler>, method: string, rest: string): { readonly handler: Handler; readonly id: string } {
  const [id = '', sub, ...deeper] = rest.split('/');
  if (deeper.length > 0 || (sub !== undefined && (sub !== 'parts' || id === '' || routes.parts === undefined))) {
    throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  }
  if (id !== '' && !ID.test(id)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  const handlers = sub !== undefined && routes.parts !== undefined ? routes.parts : routes[id === '' ? 'collection' : 'upload'];
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (handler === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return { handler, id };
}
