import { MemoryRepository } from '@frago/core';
import { describeRepositoryConformance } from '@frago/conformance';

// Memory has no view other than the repository itself, so the inspector reads through it.
describeRepositoryConformance('MemoryRepository', async () => {
  const repository = new MemoryRepository();
  return {
    repository,
    inspect: {
      async upload(id) {
        const upload = await repository.get(id);
        return upload === null
          ? null
          : { status: upload.status, owner: upload.owner, totalSize: upload.totalSize, hashOffset: upload.hash.offset, direct: upload.direct };
      },
      async chunks(uploadId) {
        return (await repository.chunks(uploadId)).map(({ start, end, state, claimId }) => ({ start, end, state, claimId }));
      },
      async storageData(uploadId, claimId) {
        const chunk = (await repository.chunks(uploadId)).find((candidate) => candidate.claimId === claimId);
        return chunk === undefined ? undefined : (chunk.storageData ?? null);
      },
      async chunkChecksum(uploadId, claimId) {
        const chunk = (await repository.chunks(uploadId)).find((candidate) => candidate.claimId === claimId);
        return chunk === undefined ? undefined : (chunk.checksum ?? null);
      },
    },
    async teardown() {},
  };
}, { oneRequest: true });
