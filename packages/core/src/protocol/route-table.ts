import { FragoError } from '../errors.js';
import type { FragoOperation } from '../request-facts.js';

/** One route of a protocol: what it does (for logs and metrics) and its handler. */
export interface Route<Handler> {
  readonly operation: FragoOperation;
  readonly handler: Handler;
}

/** A protocol's routes by method, on its collection (the base) and on one upload (`<base>/:id`). */
export type RouteTable<Handler> = Readonly<Record<'collection' | 'upload', Readonly<Record<string, Route<Handler>>>>>;

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Where `rest` (the path below the base, without slashes around it) lies: on the collection, on one upload, or nowhere. */
export function placeOf(rest: string): 'collection' | 'upload' | null {
  if (rest === '') return 'collection';
  return !rest.includes('/') && ID.test(rest) ? 'upload' : null;
}

/**
 * The route of `routes` for `method` on `rest` (the path below the base, without
 * slashes around it), and the upload id `rest` names (empty on the collection).
 *
 * @throws {FragoError} `ROUTE_NOT_FOUND`, `INVALID_UPLOAD_ID`, `METHOD_NOT_ALLOWED`.
 */
export function routeIn<Handler>(routes: RouteTable<Handler>, method: string, rest: string): Route<Handler> & { readonly id: string } {
  if (rest.includes('/')) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  const place = placeOf(rest);
  if (place === null) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  const route = methodRoute(routes, place, method);
  if (route === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return { ...route, id: rest };
}

/** The route of `method` at `place`, if there is one. */
export function methodRoute<Handler>(routes: RouteTable<Handler>, place: 'collection' | 'upload', method: string): Route<Handler> | undefined {
  const handlers = routes[place];
  return Object.hasOwn(handlers, method) ? handlers[method] : undefined;
}
