// The scale-out server's stack (PostgreSQL at FRAGO_DATABASE_URL, the storage its
// settings name) with the write of the chunk at offset 0 held at FRAGO_GATE (`before`,
// `during` or `after`, see gated-storage.ts): it prints `gate reached` when the chunk gets
// there and lets it go on SIGUSR2. For the tests that race another process against it.
// Run from source:
//   node --import tsx --conditions=@frago/source test/support/gated-server.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { MikroORM } from '@mikro-orm/postgresql';
import { ANONYMOUS, createFrago } from '@frago/core';
import { fragoExpress } from '@frago/express';
import { fragoEntities, MikroOrmRepository } from '@frago/mikro-orm';
import { storageFrom } from '../../examples/scale-out-server/src/app.js';
import { configFromEnv } from '../../examples/scale-out-server/src/config.js';
import { gatedStorage, type GatePhase } from './gated-storage.js';

const phase = process.env.FRAGO_GATE as GatePhase | undefined;
if (phase !== 'before' && phase !== 'during' && phase !== 'after') throw new Error('FRAGO_GATE is before, during or after');
const config = configFromEnv();
const orm = await MikroORM.init({ clientUrl: config.databaseUrl, entities: [...fragoEntities], discovery: { warnWhenNoEntities: false } });
const gate = gatedStorage(storageFrom(config.storage), phase, 0);
void gate.reached().then(() => console.log('gate reached'));
process.on('SIGUSR2', () => gate.release());
const frago = createFrago({ repository: new MikroOrmRepository(orm), storage: gate.storage, expirationMs: config.expirationMs });
const app = express();
app.use(fragoExpress(frago, { identify: () => ANONYMOUS }));
const server = createServer(app);
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
