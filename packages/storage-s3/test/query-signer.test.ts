import { describe, expect, it } from 'vitest';
import { QuerySigner } from '../src/query-signer.js';

// The presigned-URL example of the SigV4 documentation for S3 ("Authenticating
// Requests: Using Query Parameters"): its inputs and the signature it states.
const EXAMPLE = {
  method: 'GET',
  origin: 'https://examplebucket.s3.amazonaws.com',
  path: '/test.txt',
  query: {},
  headers: {},
  region: 'us-east-1',
  service: 's3',
  credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
  now: new Date('2013-05-24T00:00:00Z'),
  expiresInSeconds: 86400,
};

const signatureOf = (url: string) => new URL(url).searchParams.get('X-Amz-Signature');

describe('QuerySigner', () => {
  it("signs the SigV4 documentation's presigned URL with the signature it states", () => {
    const url = new QuerySigner().sign(EXAMPLE);
    expect(signatureOf(url)).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z' +
        '&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('signs again with a key of the new day, secret or region, never a key kept from another', () => {
    const signer = new QuerySigner();
    const first = signatureOf(signer.sign(EXAMPLE));
    const nextDay = signatureOf(signer.sign({ ...EXAMPLE, now: new Date('2013-05-25T00:00:00Z') }));
    const otherSecret = signatureOf(signer.sign({ ...EXAMPLE, credentials: { ...EXAMPLE.credentials, secretAccessKey: 'other' } }));
    const otherRegion = signatureOf(signer.sign({ ...EXAMPLE, region: 'eu-west-1' }));
    expect(new Set([first, nextDay, otherSecret, otherRegion]).size).toBe(4);
    expect(signatureOf(new QuerySigner().sign({ ...EXAMPLE, now: new Date('2013-05-25T00:00:00Z') }))).toBe(nextDay);
    expect(signatureOf(signer.sign(EXAMPLE))).toBe(first);
  });

  it('signs the headers given and a session token, and encodes query values as SigV4 wants', () => {
    const url = new URL(
      new QuerySigner().sign({
        ...EXAMPLE,
        method: 'PUT',
        query: { partNumber: '3', uploadId: "a b+c/d~e*f'(g)!" },
        headers: { 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==', 'content-length': '11' },
        credentials: { ...EXAMPLE.credentials, sessionToken: 'token/+=' },
      }),
    );
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-md5;host');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('token/+=');
    expect(url.searchParams.get('uploadId')).toBe("a b+c/d~e*f'(g)!");
    expect(url.search).toContain('uploadId=a%20b%2Bc%2Fd~e%2Af%27%28g%29%21');
  });
});
