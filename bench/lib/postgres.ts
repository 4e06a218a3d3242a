import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL = process.env.FRAGO_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database for one benchmark run, on the local test server. */
export async function benchDatabase(): Promise<{ clientUrl: string; drop(): Promise<void> }> {
  const name = `frago_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create database "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { clientUrl: url.toString(), drop: () => admin(`drop database if exists "${name}" with (force)`) };
}
