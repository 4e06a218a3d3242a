import { ANONYMOUS, FragoError, identityOf, type Identity } from '@frago/core';

// Apart from the suite (which needs vitest), so that a server in another runtime (Bun,
// Deno) identifies callers by the same rule.

/** The header the servers under test read the caller from; absent means anonymous. */
export const TEST_USER_HEADER = 'x-frago-test-user';

/** The origin of the browser app the suite plays; the suite's frago allows it cross-origin calls. */
export const TEST_ORIGIN = 'https://app.frago.test';

/** A {@link TEST_USER_HEADER} value that names nobody: credentials the server must refuse. */
export const TEST_BAD_CREDENTIALS = '!forged';

/**
 * The identity a server under test must give a request, from {@link TEST_USER_HEADER}
 * and its `Origin`: a user by that name, or anonymous without the header. A value that
 * is not a name ({@link TEST_BAD_CREDENTIALS}) is refused, and so is a call from
 * another origin without the header: a browser app must sign in. A preflight carries
 * no credentials, so an adapter that resolves the caller before the preflight is
 * answered fails the suite.
 *
 * @throws {FragoError} `UNAUTHENTICATED`.
 */
export function testIdentity(header: string | string[] | undefined, origin?: string | string[] | null): Identity {
  const value = Array.isArray(header) ? header[0] : header;
  if (value && !/^[\w.-]+$/.test(value)) throw new FragoError('UNAUTHENTICATED', 'These credentials are not valid');
  if (value) return identityOf('user', value);
  if (origin) throw new FragoError('UNAUTHENTICATED', 'Sign in to call from another origin');
  return ANONYMOUS;
}

/** {@link testIdentity} for a web `Request`, as a Fetch handler's resolver reads it. */
export function testRequestIdentity(request: Request): Identity {
  return testIdentity(request.headers.get(TEST_USER_HEADER) ?? undefined, request.headers.get('origin'));
}
