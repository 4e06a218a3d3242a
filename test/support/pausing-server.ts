// The default server's stack (SQLite in FRAGO_DATA_DIR/frago.sqlite, files below
// FRAGO_DATA_DIR, so the real default server can take over its data) with its storage
// paused at FRAGO_PAUSE (`create`, `write:<offset>` or `assemble`, see pausing-storage.ts), for
// the tests that kill a process at one exact moment. Run from source:
//   node --import tsx --conditions=@frago/source test/support/pausing-server.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/sqlite';
import { Migrator } from '@mikro-orm/migrations';
import { ANONYMOUS, createFrago } from '@frago/core';
import { createNodeListener } from '@frago/core/node';
import { fragoEntities, fragoMigrations, MikroOrmRepository, tuneSqlite } from '@frago/mikro-orm';
import { DiskStorage } from '@frago/storage-disk';
import { parsePausePoint, pausingStorage } from './pausing-storage.js';

const dataDir = process.env.FRAGO_DATA_DIR;
const pause = process.env.FRAGO_PAUSE;
if (!dataDir || !pause) throw new Error('FRAGO_DATA_DIR and FRAGO_PAUSE are required');
const lease = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);

const orm = await MikroORM.init({
  dbName: join(dataDir, 'frago.sqlite'),
  entities: [...fragoEntities],
  extensions: [Migrator],
  migrations: { migrationsList: [...fragoMigrations], silent: true, snapshot: false },
});
await tuneSqlite(orm);
await orm.migrator.up();
const frago = createFrago({
  repository: new MikroOrmRepository(orm),
  storage: pausingStorage(new DiskStorage({ directory: dataDir }), parsePausePoint(pause), (line) => console.log(line)),
  claimLeaseMs: lease('FRAGO_CLAIM_LEASE_MS'),
  assemblyLeaseMs: lease('FRAGO_ASSEMBLY_LEASE_MS'),
  expirationMs: lease('FRAGO_EXPIRATION_MS'),
});
const listener = createNodeListener(frago.handle, { identify: () => ANONYMOUS });
const server = createServer((req, res) => void listener(req, res));
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
