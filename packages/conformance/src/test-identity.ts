import { ANONYMOUS, FragoError, identityOf, type ResolvedIdentity } from '@frago/core';

// Apart from the suite (which needs vitest), so that a server in another runtime (Bun,
// Deno) identifies callers by the same rule.

/** The header the servers under test read the caller from; absent means anonymous. */
export const TEST_USER_HEADER = 'x-frago-test-user';

/** The origin of the browser app the suite plays; the suite's frago allows it cross-origin calls. */
export const TEST_ORIGIN = 'https://app.frago.test';

/** A {@link TEST_USER_HEADER} value that names nobody: credentials the server must refuse. */
export const TEST_BAD_CREDENTIALS = '!forged';

/** A header that makes the resolver unable to tell who calls (it returns `null`), as an application whose session expired. */
export const TEST_SIGNED_OUT_HEADER = 'x-frago-test-signed-out';

/**
 * The identity a server under test must give a request, from {@link TEST_USER_HEADER}
 * and its `Origin`: a user by that name, or, without the header, explicitly anonymous
 * (the suite's application accepts anonymous uploads). A value that is not a name
 * ({@link TEST_BAD_CREDENTIALS}) is refused; a call from another origin without the
 * header, or with {@link TEST_SIGNED_OUT_HEADER}, has no caller the application can
 * tell (`null`), which frago must refuse. A preflight carries no credentials, so an
 * adapter that resolves the caller before the preflight is answered fails the suite.
 *
 * @throws {FragoError} `UNAUTHENTICATED`.
 */
export function testIdentity(
  header: string | string[] | undefined,
  origin?: string | string[] | null,
  signedOut?: string | string[] | null,
): ResolvedIdentity {
  const value = Array.isArray(header) ? header[0] : header;
  if (value && !/^[\w.-]+$/.test(value)) throw new FragoError('UNAUTHENTICATED', 'These credentials are not valid');
  if (signedOut) return null;
  if (value) return identityOf('user', value);
  return origin ? null : ANONYMOUS;
}

/** {@link testIdentity} for a Node request, as a Node adapter's resolver reads it. */
export function testNodeIdentity(req: { readonly headers: Record<string, string | string[] | undefined> }): ResolvedIdentity {
  return testIdentity(req.headers[TEST_USER_HEADER], req.headers.origin, req.headers[TEST_SIGNED_OUT_HEADER]);
}

/** {@link testIdentity} for a web `Request`, as a Fetch handler's resolver reads it. */
export function testRequestIdentity(request: Request): ResolvedIdentity {
  const { headers } = request;
  return testIdentity(headers.get(TEST_USER_HEADER) ?? undefined, headers.get('origin'), headers.get(TEST_SIGNED_OUT_HEADER));
}
