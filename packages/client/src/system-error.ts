/**
 * Plain words for the error codes Node.js and its `fetch` (undici) put under a failed
 * request or file read. "fetch failed" says nothing; the code in its cause says what
 * the user can act on.
 */
const WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network down',
  EPROTO: 'TLS handshake failed',
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
  CERT_REVOKED: 'certificate revoked',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate not trusted (unknown issuer)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not trusted (unknown issuer)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is for another host name',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

interface Coded {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
  readonly syscall?: unknown;
}

/** Node's system errors carry the failed `syscall`; undici and TLS codes have their own prefixes. */
function isSystemCode(link: Coded, code: string): boolean {
  return code in WORDS || typeof link.syscall === 'string' || /^UND_ERR|CERT|^ERR_TLS|^ERR_SSL/.test(code);
}

/** The errors under `error`: itself, its causes, and the first of an AggregateError's errors (one per address tried). */
function* chain(error: unknown): Generator<Coded> {
  const seen = new Set<unknown>();
  let current = error;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const coded = current as Coded;
    yield coded;
    current = coded.cause ?? (Array.isArray(coded.errors) ? coded.errors[0] : undefined);
  }
}

/** The first code in `error`'s cause chain that names a system, network or TLS failure. */
function systemErrorCode(error: unknown): string | undefined {
  for (const link of chain(error)) {
    const code = link.code;
    if (typeof code === 'string' && isSystemCode(link, code)) return code;
  }
  return undefined;
}

/** The message of the deepest error under `error` (undici's own reasons, such as `bad port`, sit there). */
function deepestMessage(error: unknown): string {
  let deepest = error instanceof Error ? error.message : String(error);
  for (const link of chain(error)) if (typeof link.message === 'string' && link.message !== '') deepest = link.message;
  return deepest;
}

/**
 * What went wrong under `error`, in a few plain words: `connection refused`, `no such
 * file`, `certificate expired`; for a code without words, the deepest message and its
 * code; without a code, the deepest message (`bad port`), never the bare "fetch failed".
 */
export function plainCause(error: unknown): string {
  const code = systemErrorCode(error);
  if (code === undefined) return deepestMessage(error);
  const words = WORDS[code];
  if (words !== undefined) return words;
  if (/CERT|^ERR_TLS|^ERR_SSL/.test(code)) return `certificate rejected (${code})`;
  return `${deepestMessage(error)} (${code})`;
}
