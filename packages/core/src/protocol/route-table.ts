import { FragoError } from '../errors.js';
import type { FragoOperation } from '../request-facts.js';

/** One route of a protocol: what it does (for logs and metrics) and its handler. */
export interface Route<Handler> {
  readonly operation: FragoOperation;
  readonly handler: Handler;
}

/** Where a path below a protocol's base lies: its collection, one upload, or an upload's parts. */
export type Place = 'collection' | 'upload' | 'parts';

type Routes<Handler> = Readonly<Record<string, Route<Handler>>>;

/**
 * A protocol's routes by method, on its collection (the base), on one upload
 * (`<base>/:id`) and, when it has them, on an upload's parts (`<base>/:id/parts`).
 */
export type RouteTable<Handler> = Readonly<Record<'collection' | 'upload', Routes<Handler>>> & { readonly parts?: Routes<Handler> };

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The place `rest` has the shape of, and the id it names, whether or not the id is well formed. */
function shapeOf(rest: string): { readonly place: Place; readonly id: string } | null {
  if (rest === '') return { place: 'collection', id: '' };
  const [id = '', sub, ...deeper] = rest.split('/');
  if (deeper.length > 0 || id === '') return null;
  if (sub === undefined) return { place: 'upload', id };
  return sub === 'parts' ? { place: 'parts', id } : null;
}

/**
 * Where `rest` (the path below the base, without slashes around it) lies, and the upload
 * id it names (empty on the collection); null when it lies nowhere or the id is malformed.
 */
export function placeOf(rest: string): { readonly place: Place; readonly id: string } | null {
  const shape = shapeOf(rest);
  return shape === null || (shape.place !== 'collection' && !ID.test(shape.id)) ? null : shape;
}

/**
 * The route of `routes` for `method` on `rest` (the path below the base, without
 * slashes around it), and the upload id `rest` names (empty on the collection).
 *
 * @throws {FragoError} `ROUTE_NOT_FOUND`, `INVALID_UPLOAD_ID`, `METHOD_NOT_ALLOWED`.
 */
export function routeIn<Handler>(routes: RouteTable<Handler>, method: string, rest: string): Route<Handler> & { readonly id: string } {
  const shape = shapeOf(rest);
  if (shape === null || (shape.place === 'parts' && routes.parts === undefined)) throw new FragoError('ROUTE_NOT_FOUND', 'No such route');
  if (shape.place !== 'collection' && !ID.test(shape.id)) throw new FragoError('INVALID_UPLOAD_ID', 'The upload id is malformed');
  const route = methodRoute(routes, shape.place, method);
  if (route === undefined) throw new FragoError('METHOD_NOT_ALLOWED', `${method} is not allowed here`);
  return { ...route, id: shape.id };
}

/** The route of `method` at `place`, if there is one. */
export function methodRoute<Handler>(routes: RouteTable<Handler>, place: Place, method: string): Route<Handler> | undefined {
  const handlers = place === 'parts' ? routes.parts : routes[place];
  return handlers !== undefined && Object.hasOwn(handlers, method) ? handlers[method] : undefined;
}

/** Where a request for `method` on `rest` (below the base) goes: its route pattern, operation and upload id; null for no route. */
export type Locate = (method: string, rest: string) => { readonly pattern: string; readonly operation: FragoOperation; readonly uploadId: string | null } | null;

/** Locates requests in `routes`, whose places have the route patterns `patterns` (after the base: `/`, `/:id/`). */
export function tableLocator(routes: RouteTable<unknown>, patterns: Readonly<Partial<Record<Place, string>>>): Locate {
  return (method, rest) => {
    const found = placeOf(rest);
    const pattern = found === null ? undefined : patterns[found.place];
    if (found === null || pattern === undefined) return null;
    return { pattern, operation: methodRoute(routes, found.place, method)?.operation ?? 'other', uploadId: found.id === '' ? null : found.id };
  };
}
