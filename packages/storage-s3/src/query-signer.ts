import { createHash, createHmac } from 'node:crypto';

/** The credentials a URL is signed with. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary credentials' token: signed into the URL as `X-Amz-Security-Token`. */
  readonly sessionToken?: string | undefined;
}

/** One request to presign: everything but the signature. */
export interface QueryRequest {
  readonly method: string;
  /** `protocol//host[:port]`, as in the URL. */
  readonly origin: string;
  /** The URL's path, already encoded as it is sent (S3 signs it as it is, not encoded again). */
  readonly path: string;
  /** The request's own query parameters (`partNumber`, `uploadId`, ...), not encoded. */
  readonly query: Readonly<Record<string, string>>;
  /** Headers the client must send exactly as given, lowercase names; `host` is signed too. */
  readonly headers: Readonly<Record<string, string>>;
  readonly region: string;
  readonly service: string;
  readonly credentials: SigningCredentials;
  readonly now: Date;
  readonly expiresInSeconds: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/**
 * AWS Signature Version 4 in the query string (a presigned URL), as the SigV4 spec
 * states it: a canonical request of the method, path, sorted query, signed headers and
 * `UNSIGNED-PAYLOAD`; its SHA-256 in a string to sign; an HMAC-SHA256 of that with a key
 * derived from the secret, the day, the region and the service. The derived key is kept
 * for the day, so a URL costs one SHA-256 and one HMAC, where the SDK's presigner runs
 * its middleware stack and derives the key again for every URL.
 */
export class QuerySigner {
  private cached: { readonly scope: string; readonly secret: string; readonly key: Buffer } | null = null;

  /** The presigned URL of `request`. */
  sign(request: QueryRequest): string {
    const { credentials } = request;
    const stamp = request.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = stamp.slice(0, 8);
    const scope = `${day}/${request.region}/${request.service}/aws4_request`;
    const headers = { ...request.headers, host: new URL(request.origin).host };
    const names = Object.keys(headers).sort();
    const query: Record<string, string> = {
      ...request.query,
      'X-Amz-Algorithm': ALGORITHM,
      'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
      'X-Amz-Date': stamp,
      'X-Amz-Expires': String(request.expiresInSeconds),
      'X-Amz-SignedHeaders': names.join(';'),
      ...(credentials.sessionToken === undefined ? {} : { 'X-Amz-Security-Token': credentials.sessionToken }),
    };
    const canonicalQuery = Object.keys(query)
      .map((name) => [encode(name), encode(query[name] ?? '')] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${name}=${value}`)
      .join('&');
    const canonicalHeaders = names.map((name) => `${name}:${String(headers[name as keyof typeof headers]).trim()}\n`).join('');
    const canonicalRequest = [request.method, request.path, canonicalQuery, canonicalHeaders, names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
    const stringToSign = [ALGORITHM, stamp, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const signature = createHmac('sha256', this.signingKey(scope, credentials.secretAccessKey)).update(stringToSign).digest('hex');
    return `${request.origin}${request.path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
  }

  /** The key of `scope` (`day/region/service/aws4_request`), derived once per scope and secret. */
  private signingKey(scope: string, secret: string): Buffer {
    if (this.cached?.scope === scope && this.cached.secret === secret) return this.cached.key;
    let key: Buffer = Buffer.from(`AWS4${secret}`);
    for (const step of scope.split('/')) key = createHmac('sha256', key).update(step).digest();
    this.cached = { scope, secret, key };
    return key;
  }
}

/** RFC 3986 encoding, as SigV4 wants it: everything but `A-Z a-z 0-9 - _ . ~` as `%XX`. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
