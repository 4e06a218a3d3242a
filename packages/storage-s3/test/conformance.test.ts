import { describeJoinConformance, describeStorageConformance } from '@frago/conformance';
import { s3Fixture } from './_bucket.js';

describeStorageConformance('S3Storage', async () => {
  const { storage, object, teardown } = await s3Fixture();
  return { storage, readAssembled: object, teardown };
});

describeStorageConformance('S3Storage with a key prefix', async () => {
  const { storage, object, teardown } = await s3Fixture({ prefix: 'tenant-1/frago/' });
  return { storage, readAssembled: object, teardown };
});

describeJoinConformance('S3Storage', async () => {
  const { storage, object, teardown } = await s3Fixture();
  return { storage, readAssembled: object, teardown };
});
