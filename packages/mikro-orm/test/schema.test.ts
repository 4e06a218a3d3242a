import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewUpload } from '@frago/core';
import { EntitySchema } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { defineChunkEntity, defineUploadEntity, fragoMigrations, MikroOrmRepository } from '../src/index.js';
import { createDatabase, DRIVER_LABELS, DRIVERS, type TestOrm } from './_databases.js';

/** How a user adds a column for their own upload property: a migration after frago's. */
class AddDeviceLabel extends Migration {
  override up(): void {
    this.addSql('alter table frago_upload add column device_label varchar(255) null');
  }
}

const DeviceUpload = defineUploadEntity<{ deviceLabel: string | null }>({
  properties: { deviceLabel: { type: 'string', length: 255, nullable: true, fieldName: 'device_label' } },
});

const extended = {
  entities: [DeviceUpload, defineChunkEntity({ upload: DeviceUpload })],
  migrations: {
    migrationsList: [...fragoMigrations, { name: 'app_0001_device_label', class: AddDeviceLabel }],
    silent: true,
    snapshot: false,
  },
};

interface Device {
  id: number;
  name: string;
}

const DeviceSchema = new EntitySchema<Device>({
  name: 'Device',
  tableName: 'device',
  properties: { id: { type: 'number', primary: true }, name: { type: 'string' } },
});

/** The original app's example: uploads that belong to a device. */
const UploadWithDevice = defineUploadEntity<{ device: Device | null }>({
  properties: { device: { kind: 'm:1', entity: () => DeviceSchema, nullable: true, fieldName: 'device_id' } },
});

function newUpload(metadata: Record<string, unknown>): NewUpload {
  const id = randomUUID();
  return {
    id,
    owner: 'device:7',
    filename: 'log.txt',
    totalSize: 10,
    storageKey: `uploads/${id}`,
    checksumAlgorithm: 'sha256',
    expectedChecksum: null,
    metadata,
    createdAt: new Date('2030-01-01T00:00:00.000Z'),
    expiresAt: new Date('2030-01-02T00:00:00.000Z'),
    hash: { algorithm: 'sha256', offset: 0, state: null },
  };
}

/** The statements a migration generated now from the entities would hold. */
async function drift(orm: TestOrm): Promise<string[]> {
  const sql = await orm.schema.getUpdateSchemaSQL({ wrap: false });
  return sql
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

for (const driver of DRIVERS) {
  describe(`schema on ${DRIVER_LABELS[driver]}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    const open = async (config?: Parameters<Awaited<ReturnType<typeof createDatabase>>['open']>[0]): Promise<TestOrm> => {
      const database = await createDatabase(driver);
      cleanups.push(database.drop);
      const orm = await database.open(config);
      cleanups.push(() => orm.close(true));
      return orm;
    };
    // What a migration generated later finds on a schema MikroORM's generator made itself:
    // nothing on every driver but MySQL's against MariaDB, whose catalog that driver misreads
    // (a JSON column's check, `NULL` defaults), so that it proposes the same changes to any
    // schema. The migrations must leave exactly as much to change as the generator.
    const generatorDrift = async (config?: Parameters<typeof open>[0]): Promise<string[]> => {
      const orm = await open(config);
      await orm.schema.create();
      return drift(orm);
    };

    it('migrates to exactly the schema the entities describe, and back down', async () => {
      const orm = await open();

      await orm.migrator.up();
      expect(await orm.em.getConnection().execute('select count(*) as n from frago_chunk')).toMatchObject([{ n: expect.anything() }]);
      expect(await orm.migrator.getPending()).toEqual([]);
      expect(await drift(orm)).toEqual(await generatorDrift());

      await orm.migrator.down({ to: 0 });
      await expect(orm.em.getConnection().execute('select 1 from frago_upload')).rejects.toThrow();
    });

    it('upgrades a database made by the first migration, keeping its chunks', async () => {
      const orm = await open();
      await orm.migrator.up({ to: 'frago_0001_initial' });
      const repository = new MikroOrmRepository(orm);
      const upload = newUpload({});
      await repository.create(upload);
      const claimId = randomUUID();
      await orm.em
        .getConnection()
        .execute(
          "insert into frago_chunk (claim_id, upload_id, start_byte, end_byte, size, state) values (?, ?, 0, 9, 10, 'stored')",
          [claimId, upload.id],
        );

      await orm.migrator.up();

      expect(await drift(orm)).toEqual(await generatorDrift());
      expect(await repository.chunks(upload.id)).toMatchObject([{ start: 0, end: 9, state: 'stored', claimId, storageData: null }]);
    });

    it('fills a column the user added to the upload entity', async () => {
      const orm = await open(extended);
      await orm.migrator.up();
      expect(await drift(orm)).toEqual(await generatorDrift(extended));
      const repository = new MikroOrmRepository(orm, {
        upload: DeviceUpload,
        columns: (upload) => ({ deviceLabel: typeof upload.metadata.device === 'string' ? upload.metadata.device : null }),
      });
      const labelled = newUpload({ device: "Jane's phone" });
      const unlabelled = newUpload({});

      await repository.create(labelled);
      await repository.create(unlabelled);

      const rows = await orm.em
        .getConnection()
        .execute('select id, device_label from frago_upload where id in (?, ?)', [labelled.id, unlabelled.id]);
      expect(Object.fromEntries(rows.map((row) => [row.id, row.device_label]))).toEqual({
        [labelled.id]: "Jane's phone",
        [unlabelled.id]: null,
      });
      expect(await repository.get(labelled.id)).toMatchObject({ metadata: { device: "Jane's phone" } });
      const entity = await orm.em.fork().findOneOrFail(DeviceUpload, { id: labelled.id });
      expect(entity.deviceLabel).toBe("Jane's phone");
      expect(entity.totalSize).toBe(10);
    });

    it('links uploads to a relation the user added, generating a migration for it alone', async () => {
      const withDevice = {
        entities: [UploadWithDevice, defineChunkEntity({ upload: UploadWithDevice }), DeviceSchema],
        migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
      };
      const orm = await open(withDevice);
      await orm.migrator.up();
      const generated = new Set(await generatorDrift(withDevice));
      const diff = (await drift(orm)).filter((statement) => !generated.has(statement)).join('\n');
      expect(diff).toContain('device_id');
      expect(diff).not.toContain('frago_chunk');
      // The user's own migration: what the generator found beyond frago's tables.
      await orm.schema.execute(diff);
      await orm.em.fork().insert(DeviceSchema, { id: 7, name: 'phone' });
      const repository = new MikroOrmRepository(orm, {
        upload: UploadWithDevice,
        columns: (upload) => ({ device: upload.owner?.startsWith('device:') ? Number(upload.owner.slice(7)) : null }),
      });
      const upload = newUpload({});

      await repository.create(upload);

      const rows = await orm.em.getConnection().execute('select device_id from frago_upload where id = ?', [upload.id]);
      expect(rows.map((row) => Number(row.device_id))).toEqual([7]);
      const entity = await orm.em.fork().findOneOrFail(UploadWithDevice, { id: upload.id }, { populate: ['device'] });
      expect(entity.device?.name).toBe('phone');
    });
  });
}
