import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeRepositoryConformance, TEST_POSTGRES_URL, type RepositoryInspector } from '@frago/conformance';
import type { NewUpload } from '@frago/core';
import { MikroOrmRepository } from '../src/index.js';
import {
  createDatabase,
  DRIVER_LABELS,
  DRIVERS,
  fixtureFor,
  openPostgres,
  sqlInspector,
  type Driver,
  type TestDatabase,
  type TestOrm,
} from './_databases.js';

for (const driver of DRIVERS) describeRepositoryConformance(`MikroOrmRepository on ${DRIVER_LABELS[driver]}`, fixtureFor(driver), { oneRequest: true });

function newUpload(): NewUpload {
  const id = randomUUID();
  const now = new Date('2030-01-01T00:00:00.000Z');
  return {
    id,
    owner: 'user:1',
    filename: 'video.mp4',
    totalSize: 10_000,
    storageKey: `uploads/${id}`,
    checksumAlgorithm: 'sha256',
    expectedChecksum: null,
    metadata: {},
    createdAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    hash: { algorithm: 'sha256', offset: 0, state: null },
  };
}

const claim = () => ({
  claimId: randomUUID(),
  digest: null,
  leaseUntil: new Date('2030-01-01T00:01:00.000Z'),
  now: new Date('2030-01-01T00:00:00.000Z'),
});

/** Two repositories on one fresh database, each with its own MikroORM and pool. */
interface TwoProcesses {
  through(i: number): MikroOrmRepository;
  readonly inspect: RepositoryInspector;
}

// Two MikroORM instances have two connection pools: as far as the database can tell,
// these are two server processes. A failed setup fails every test, never skips it.
function useTwoProcesses(driver: Driver): () => TwoProcesses {
  let database: TestDatabase | undefined;
  const orms: TestOrm[] = [];
  let ready: TwoProcesses | undefined;
  let failure: { readonly error: unknown } | undefined;
  beforeAll(async () => {
    try {
      database = await createDatabase(driver);
      for (let i = 0; i < 2; i++) orms.push(await database.open());
      const [first] = orms;
      await first?.migrator.up();
      const repositories = orms.map((orm) => new MikroOrmRepository(orm));
      ready = {
        through: (i) => repositories[i % repositories.length] as MikroOrmRepository,
        inspect: sqlInspector(orms[1] as TestOrm),
      };
    } catch (error) {
      failure = { error };
    }
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await database?.drop();
  });
  return () => {
    if (failure !== undefined) throw failure.error;
    if (ready === undefined) throw new Error('Only available inside a test');
    return ready;
  };
}

// The database servers; SQLite's processes are real ones, in sqlite-processes.test.ts.
for (const driver of ['postgresql', 'mysql', 'mariadb'] as const) {
  describe(`MikroOrmRepository on ${DRIVER_LABELS[driver]}, two processes on one database`, () => {
    const processes = useTwoProcesses(driver);

    it('lets exactly one of concurrent overlapping claims win', async () => {
      const { through, inspect } = processes();
      const upload = await through(0).create(newUpload());
      const ranges = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ({ start: 100 * i, end: 1000 + 100 * i }));

      const results = await Promise.all(ranges.map((range, i) => through(i).claimRange(upload.id, range, claim())));

      expect(results.filter((result) => result.kind === 'claimed')).toHaveLength(1);
      expect(await inspect.chunks(upload.id)).toHaveLength(1);
    });

    it('lets exactly one of concurrent transitions win', async () => {
      const { through, inspect } = processes();
      const upload = await through(0).create(newUpload());

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => through(i).transition(upload.id, { status: 'in_progress' }, 'assembling')),
      );

      expect(results.filter((result) => result !== null)).toHaveLength(1);
      expect(await inspect.upload(upload.id)).toMatchObject({ status: 'assembling' });
    });

    it('never reports a chunk stored that a concurrent finalizer did not see', async () => {
      const { through } = processes();
      for (let round = 0; round < 50; round++) {
        const upload = await through(0).create(newUpload());
        const pending = claim();
        await through(0).claimRange(upload.id, { start: 0, end: 9 }, pending);

        const [stored, seenByFinalizer] = await Promise.all([
          through(1).storeClaim(upload.id, pending.claimId),
          through(0)
            .transition(upload.id, { status: 'in_progress' }, 'assembling')
            .then(() => through(0).chunks(upload.id)),
        ]);

        expect(seenByFinalizer.map((chunk) => chunk.state)).toEqual([stored ? 'stored' : 'pending']);
      }
    });
  });
}

describe('createTestDatabase', () => {
  it('creates a database that exists until dropped', async () => {
    const admin = await openPostgres(process.env.FRAGO_TEST_POSTGRES_URL ?? TEST_POSTGRES_URL);
    try {
      const exists = async (name: string) =>
        (await admin.em.getConnection().execute('select 1 from pg_database where datname = ?', [name])).length === 1;
      const database = await createTestDatabase();
      expect(await exists(database.name)).toBe(true);
      await database.drop();
      await database.drop();
      expect(await exists(database.name)).toBe(false);
    } finally {
      await admin.close(true);
    }
  });

  it('fails with a message naming the server when PostgreSQL is unreachable', async () => {
    await expect(createTestDatabase('postgresql://postgres@127.0.0.1:9/test')).rejects.toThrow(
      /PostgreSQL at 127\.0\.0\.1:9 .*ECONNREFUSED/
    );
  });
});
