import { UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Bucket } from './bucket.js';

/** Where the parts of one multipart upload go, and the scope their URLs are signed for. */
export interface PartEndpoint {
  readonly origin: string;
  readonly path: string;
  readonly region: string;
  readonly service: string;
}

const CACHE_LIMIT = 1000;

/**
 * The endpoint of each multipart upload's parts, as the SDK resolves it (its endpoint
 * rules: path or virtual-host style, custom endpoints, the signing region), learned once
 * per upload and process from one URL the SDK presigns, so that every other URL of the
 * upload is signed without the SDK.
 */
export class PartEndpoints {
  private readonly cache = new Map<string, PartEndpoint>();

  constructor(private readonly bucket: Bucket) {}

  /** The endpoint of `objectKey`'s parts. @throws the SDK's error when it cannot sign. */
  async of(objectKey: string, uploadId: string): Promise<PartEndpoint> {
    const cached = this.cache.get(objectKey);
    if (cached !== undefined) return cached;
    const command = new UploadPartCommand({ Bucket: this.bucket.name, Key: objectKey, UploadId: uploadId, PartNumber: 1, ContentLength: 0 });
    const url = new URL(await getSignedUrl(this.bucket.client, command, { expiresIn: 1 }));
    // `<access key>/<day>/<region>/<service>/aws4_request`: the scope the SDK signs for.
    const scope = (url.searchParams.get('X-Amz-Credential') ?? '').split('/');
    const [region, service] = scope.slice(-3, -1);
    if (region === undefined || service === undefined) throw new Error('The SDK presigned no SigV4 credential scope');
    const endpoint = { origin: url.origin, path: url.pathname, region, service };
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(objectKey, endpoint);
    return endpoint;
  }
}
