// One of several server processes sharing a SQLite file: `_claim-worker.ts DRIVER FILE UPLOAD_ID...`.
// Opens the file, prints `ready`, waits for a line on stdin, then claims overlapping
// ranges of every upload at once and prints the results as one JSON array.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { ClaimResult } from '@frago/core';
import { MikroOrmRepository, tuneSqlite } from '../src/index.js';
import { openOrm } from './_databases.js';

const [driver = '', file = '', ...uploadIds] = process.argv.slice(2);
if (driver !== 'sqlite' && driver !== 'libsql') throw new Error(`not a SQLite driver: ${driver}`);
const orm = await openOrm[driver](file);
await tuneSqlite(orm);
const repository = new MikroOrmRepository(orm);
process.stdout.write('ready\n');
await once(process.stdin, 'data');

const now = new Date();
const leaseUntil = new Date(now.getTime() + 60_000);
const claims: Promise<ClaimResult>[] = [];
for (const uploadId of uploadIds) {
  for (let i = 0; i < 10; i++) {
    const range = { start: 100 * i, end: 100 * i + 149 };
    claims.push(repository.claimRange(uploadId, range, { claimId: randomUUID(), digest: null, leaseUntil, now }));
  }
}
process.stdout.write(`${JSON.stringify(await Promise.all(claims))}\n`);
await orm.close();
