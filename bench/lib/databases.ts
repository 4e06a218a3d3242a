import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

/** The SQL drivers the benchmark runs frago on, by their MikroORM package's name. */
export const BENCH_DRIVERS = ['sqlite', 'postgresql', 'mysql', 'mariadb', 'libsql'] as const;
export type BenchDriver = (typeof BENCH_DRIVERS)[number];

const POSTGRES_URL = process.env.FRAGO_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
// MySQL's driver and MariaDB's both run against the local MariaDB.
const MARIADB_URL = process.env.FRAGO_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function postgres(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function mariadb(sql: string): Promise<void> {
  const connection = await mysql.createConnection({ uri: MARIADB_URL });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** Whether the driver keeps its rows in a file of the run's data folder (SQLite, libSQL) rather than in a database server. */
export function keepsRowsInDataDir(driver: BenchDriver): boolean {
  return driver === 'sqlite' || driver === 'libsql';
}

/**
 * Where one benchmark run keeps its rows: a file in the run's data folder for SQLite and
 * libSQL, a fresh database on the local server for the others.
 */
export async function benchDatabase(driver: BenchDriver, dataDir: string): Promise<{ target: string; drop(): Promise<void> }> {
  if (keepsRowsInDataDir(driver)) return { target: `${dataDir}/frago.sqlite`, drop: async () => undefined };
  const name = `frago_bench_${randomBytes(4).toString('hex')}`;
  const [run, server, quote, force] =
    driver === 'postgresql' ? [postgres, POSTGRES_URL, '"', ' with (force)'] : [mariadb, MARIADB_URL, '`', ''];
  await run(`create database ${quote}${name}${quote}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { target: url.toString(), drop: () => run(`drop database if exists ${quote}${name}${quote}${force}`) };
}
