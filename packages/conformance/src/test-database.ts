import { randomBytes } from 'node:crypto';

/** A throw-away database on a test server. */
export interface TestDatabase {
  /** Its name, `frago_test_<random hex>`. */
  readonly name: string;
  /** A connection URL for it, for MikroORM's `clientUrl`. */
  readonly clientUrl: string;
  /** Drops it, closing any connection still open to it. Idempotent. */
  drop(): Promise<void>;
}

/** How to make and drop databases on one kind of server. */
export interface DatabaseServer {
  /** The server's name in failure messages (`PostgreSQL` ...). */
  readonly label: string;
  /** The statements that create and drop the database `name`. */
  create(name: string): string;
  drop(name: string): string;
  /** Runs one statement on the server at `url`, connecting and disconnecting around it. */
  run(url: URL, sql: string): Promise<void>;
}

/**
 * Creates a fresh, empty database on a test server (through the database in `adminUrl`),
 * so that each test file works alone and leaves nothing behind.
 *
 * @throws {Error} with a message naming the server when it is unreachable or refuses:
 *   tests that need it must fail then, never skip.
 */
export async function createThrowAwayDatabase(server: DatabaseServer, adminUrl: string): Promise<TestDatabase> {
  const admin = new URL(adminUrl);
  const name = `frago_test_${randomBytes(6).toString('hex')}`;
  const run = async (sql: string) => {
    try {
      await server.run(admin, sql);
    } catch (cause) {
      throw new Error(`${server.label} at ${admin.host} (${admin.pathname.slice(1)}): ${(cause as Error).message}`, { cause });
    }
  };
  await run(server.create(name));
  const client = new URL(admin);
  client.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return { name, clientUrl: client.toString(), drop: () => (dropped ??= run(server.drop(name))) };
}
