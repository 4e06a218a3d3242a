import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HashProgress, NewClaim, NewUpload, UploadRecord, UploadRepository } from '@frago/core';
import { newUpload, type RepositoryAccess } from './repository.js';

const LEASE = new Date('2030-01-02T03:05:05.678Z');
const HELD = new Date('2030-01-02T03:14:05.678Z');

function claimOn(upload: NewUpload): NewClaim {
  return { claimId: randomUUID(), start: 0, end: (upload.totalSize ?? 1) - 1, digest: null, leaseUntil: LEASE };
}

function createClaimed(repository: UploadRepository, upload: NewUpload, claim: NewClaim): Promise<UploadRecord> {
  if (repository.createClaimed === undefined) throw new Error('This repository records no upload with its claim: it has no createClaimed');
  return repository.createClaimed(upload, claim);
}

function storeAndHold(
  repository: UploadRepository,
  ids: { readonly uploadId: string; readonly claimId: string },
  hash: HashProgress | null,
): Promise<UploadRecord | null> {
  if (repository.storeAndHold === undefined) throw new Error('This repository cannot store and hold in one step: it has no storeAndHold');
  return repository.storeAndHold(ids.uploadId, { claimId: ids.claimId, storageData: 'part-1', hash, leaseUntil: HELD });
}

/**
 * The one-request upload's two steps (`createClaimed`, `storeAndHold`), for a
 * repository that offers them; each is all or nothing.
 */
export function shouldRecordOneRequestUploads(fixture: RepositoryAccess): void {
  describe('createClaimed, storeAndHold', () => {
    it('records a new upload with a pending claim on its bytes, which blocks other claims', async () => {
      const { repository, inspect } = fixture();
      const planned = newUpload({ totalSize: 65_536 });
      const claim = claimOn(planned);

      const upload = await createClaimed(repository, planned, claim);

      expect(upload).toMatchObject({ id: planned.id, status: 'in_progress', totalSize: 65_536 });
      expect(await inspect.upload(planned.id)).toMatchObject({ status: 'in_progress', totalSize: 65_536, hashOffset: 0 });
      expect(await inspect.chunks(planned.id)).toEqual([{ start: 0, end: 65_535, state: 'pending', claimId: claim.claimId }]);
      const other = await repository.claimRange(planned.id, { start: 0, end: 65_535 }, { ...claimOn(planned), claimId: randomUUID(), now: planned.createdAt });
      expect(other).toMatchObject({ kind: 'in_flight', chunk: { claimId: claim.claimId } });
    });

    it('stores the claim, saves the checksum progress and holds the upload for assembly, in one step', async () => {
      const { repository, inspect } = fixture();
      const planned = newUpload({ totalSize: 10 });
      const claim = claimOn(planned);
      await createClaimed(repository, planned, claim);
      const hash = { algorithm: planned.hash.algorithm, offset: 10, state: new Uint8Array([1, 2, 3]) };

      const held = await storeAndHold(repository, { uploadId: planned.id, claimId: claim.claimId }, hash);

      expect(held).toMatchObject({ id: planned.id, status: 'assembling', leaseUntil: HELD, hash });
      expect(await inspect.upload(planned.id)).toMatchObject({ status: 'assembling', hashOffset: 10 });
      expect(await inspect.chunks(planned.id)).toEqual([{ start: 0, end: 9, state: 'stored', claimId: claim.claimId }]);
      expect(await inspect.storageData(planned.id, claim.claimId)).toBe('part-1');
    });

    it('changes nothing when the claim is gone or the upload is not in progress', async () => {
      const { repository, inspect } = fixture();
      const released = newUpload({ totalSize: 10 });
      const releasedClaim = claimOn(released);
      await createClaimed(repository, released, releasedClaim);
      await repository.releaseClaim(released.id, releasedClaim.claimId);
      const aborted = newUpload({ totalSize: 10 });
      const abortedClaim = claimOn(aborted);
      await createClaimed(repository, aborted, abortedClaim);
      await repository.transition(aborted.id, { status: 'in_progress' }, 'aborted');
      const hash = { algorithm: released.hash.algorithm, offset: 10, state: new Uint8Array([1]) };

      expect(await storeAndHold(repository, { uploadId: released.id, claimId: releasedClaim.claimId }, hash)).toBeNull();
      expect(await storeAndHold(repository, { uploadId: aborted.id, claimId: abortedClaim.claimId }, hash)).toBeNull();
      expect(await storeAndHold(repository, { uploadId: randomUUID(), claimId: randomUUID() }, null)).toBeNull();

      expect(await inspect.upload(released.id)).toMatchObject({ status: 'in_progress', hashOffset: 0 });
      expect(await inspect.chunks(released.id)).toEqual([]);
      expect(await inspect.upload(aborted.id)).toMatchObject({ status: 'aborted', hashOffset: 0 });
      expect(await inspect.chunks(aborted.id)).toMatchObject([{ state: 'pending' }]);
    });
  });
}
