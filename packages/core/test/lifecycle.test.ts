import { describe, expect, it } from 'vitest';
import { canMove, isDueForSweep, isPastExpiry, Lifecycle, MemoryRepository, MOVES, nextStatuses, type UploadStatus } from '@frago/core';

const STATUSES: readonly UploadStatus[] = ['in_progress', 'assembling', 'complete', 'expired', 'aborted'];
const at = (iso: string) => new Date(iso);

async function uploadIn(repository: MemoryRepository, expiresAt = at('2030-01-02T00:00:00Z')) {
  return repository.create({
    id: crypto.randomUUID(),
    owner: null,
    filename: 'a.bin',
    totalSize: 10,
    storageKey: 'key',
    checksumAlgorithm: 'md5',
    expectedChecksum: null,
    metadata: {},
    createdAt: at('2030-01-01T00:00:00Z'),
    expiresAt,
    hash: { algorithm: 'md5', offset: 0, state: null },
  });
}

describe('the lifecycle table', () => {
  it('allows exactly the documented moves', () => {
    const allowed = Object.fromEntries(STATUSES.map((from) => [from, nextStatuses(from).sort()]));
    expect(allowed).toEqual({
      in_progress: ['aborted', 'assembling', 'expired'],
      assembling: ['aborted', 'assembling', 'complete', 'in_progress'],
      complete: [],
      expired: [],
      aborted: [],
    });
    expect(canMove('in_progress', 'complete')).toBe(false);
    expect(canMove('aborted', 'in_progress')).toBe(false);
    expect(canMove('assembling', 'in_progress')).toBe(true);
    expect(canMove('assembling', 'aborted')).toBe(true);
  });

  it('makes each named move only from its own status', async () => {
    for (const [name, { from, to }] of Object.entries(MOVES)) {
      for (const status of STATUSES) {
        const repository = new MemoryRepository();
        const upload = await uploadIn(repository);
        const lifecycle = new Lifecycle(repository);
        if (status === 'assembling' || status === 'complete') await lifecycle.beginAssembly(upload.id, at('2030-01-01T00:00:00Z'));
        if (status === 'complete') await lifecycle.complete(upload.id, { location: 'x', checksum: null, algorithm: 'md5', at: at('2030-01-01T00:00:00Z') });
        if (status === 'expired') await lifecycle.expire(upload.id);
        if (status === 'aborted') await lifecycle.abort(upload.id);
        expect((await repository.get(upload.id))?.status).toBe(status);

        const later = at('2030-01-01T01:00:00Z');
        const moves: Record<string, () => Promise<unknown>> = {
          beginAssembly: () => lifecycle.beginAssembly(upload.id, later),
          takeOverAssembly: () => lifecycle.takeOverAssembly(upload.id, later, later),
          recordChecksum: () => lifecycle.recordChecksum(upload.id, 'ab', 'sha256'),
          complete: () => lifecycle.complete(upload.id, { location: 'y', checksum: 'ab', algorithm: 'md5', at: later }),
          reopen: () => lifecycle.reopen(upload.id),
          abort: () => lifecycle.abort(upload.id),
          abortHeld: () => lifecycle.abortHeld(upload.id),
          expire: () => lifecycle.expire(upload.id),
        };
        const moved = await moves[name]?.();
        expect(moved === null ? status : (moved as { status: UploadStatus }).status, `${name} from ${status}`).toBe(status === from ? to : status);
        expect((await repository.get(upload.id))?.status).toBe(status === from ? to : status);
      }
    }
  });

  it('takes over an assembling upload only once its holder\'s lease ran out', async () => {
    const repository = new MemoryRepository();
    const lifecycle = new Lifecycle(repository);
    const upload = await uploadIn(repository);
    await lifecycle.beginAssembly(upload.id, at('2030-01-01T00:01:00Z'));
    expect(await lifecycle.takeOverAssembly(upload.id, at('2030-01-01T00:00:30Z'), at('2030-01-01T00:02:00Z'))).toBeNull();
    const taken = await lifecycle.takeOverAssembly(upload.id, at('2030-01-01T00:01:01Z'), at('2030-01-01T00:02:00Z'));
    expect(taken?.leaseUntil).toEqual(at('2030-01-01T00:02:00Z'));
  });
});

describe('the expiry rule', () => {
  const expiresAt = at('2030-01-01T12:00:00Z');
  it('is past expiry only after expiresAt', () => {
    expect(isPastExpiry({ expiresAt }, at('2030-01-01T11:59:59Z'))).toBe(false);
    expect(isPastExpiry({ expiresAt }, expiresAt)).toBe(false);
    expect(isPastExpiry({ expiresAt }, at('2030-01-01T12:00:01Z'))).toBe(true);
  });

  it('sweeps expired uploads at once, live ones and aborted tombstones past expiry, never assembling or complete ones', () => {
    const before = at('2030-01-01T11:00:00Z');
    const after = at('2030-01-01T13:00:00Z');
    const due = (status: UploadStatus, now: Date) => isDueForSweep({ status, expiresAt }, now);
    expect(STATUSES.filter((status) => due(status, before))).toEqual(['expired']);
    expect(STATUSES.filter((status) => due(status, after))).toEqual(['in_progress', 'expired', 'aborted']);
  });
});
