import type { ChecksumAlgorithm } from '../../checksum.js';
import type { CorsWire } from '../../cors.js';

// The tus protocol's fixed facts: its version, the extensions served, the names of
// the checksum algorithms, and what browsers must be told it uses.

/** The only tus version served. */
export const TUS_VERSION = '1.0.0';

/** The extensions served, in the order `Tus-Extension` lists them. */
export const TUS_EXTENSIONS = [
  'creation',
  'creation-with-upload',
  'creation-defer-length',
  'termination',
  'checksum',
  'expiration',
  'concatenation',
] as const;

/** The media type of a PATCH body. */
export const OFFSET_OCTET_STREAM = 'application/offset+octet-stream';

/** `Upload-Checksum` algorithm names, as tus spells them, and the hasher of each. */
export const TUS_CHECKSUM_ALGORITHMS: Readonly<Record<string, ChecksumAlgorithm>> = {
  sha1: 'sha1',
  md5: 'md5',
  sha256: 'sha256',
};

/** What a browser client of tus sends and needs to read. */
export const TUS_CORS_WIRE: CorsWire = {
  methods: ['POST', 'GET', 'HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
  requestHeaders: [
    'content-type',
    'tus-resumable',
    'upload-length',
    'upload-defer-length',
    'upload-offset',
    'upload-metadata',
    'upload-checksum',
    'upload-concat',
    'x-http-method-override',
    'x-request-id',
  ],
  exposedHeaders: [
    'location',
    'tus-resumable',
    'tus-version',
    'tus-extension',
    'tus-max-size',
    'tus-checksum-algorithm',
    'upload-offset',
    'upload-length',
    'upload-metadata',
    'upload-expires',
    'upload-concat',
    'upload-defer-length',
    'x-request-id',
  ],
};
