import type { MigrationObject, Platform } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { Dialect } from './_dialect.js';
import { dialectOf } from './_dialect.js';

// The statements MikroORM's schema generator derives from `fragoEntities`, written out
// per dialect so that a migration generated later from the same entities finds nothing
// to change (a test checks this on every driver). MySQL's are MikroORM 7's from the
// start: `datetime(3)` keeps the milliseconds a lease is compared with. The statements of
// the other dialects are those the first release shipped, and stay as they are.
const CREATE_SCHEMA: Record<Dialect, readonly string[]> = {
  postgresql: [
    'create table "frago_upload" ("id" varchar(64) not null, "owner" varchar(255) null, "filename" text not null, "total_size" bigint not null, "status" varchar(16) not null, "storage_key" varchar(255) not null, "checksum_algorithm" varchar(16) not null, "expected_checksum" varchar(255) null, "checksum" varchar(255) null, "location" text null, "metadata" jsonb not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "completed_at" timestamptz null, "lease_until" timestamptz null, "hash_algorithm" varchar(16) not null, "hash_offset" bigint not null, "hash_state" bytea null, constraint "frago_upload_pkey" primary key ("id"));',
    'create index "frago_upload_owner_created_index" on "frago_upload" ("owner", "created_at", "id");',
    'create index "frago_upload_status_expires_index" on "frago_upload" ("status", "expires_at");',
    'create table "frago_chunk" ("claim_id" varchar(64) not null, "upload_id" varchar(64) not null, "start_byte" bigint not null, "end_byte" bigint not null, "size" bigint not null, "state" varchar(16) not null, "digest" varchar(255) null, "lease_until" timestamptz null, constraint "frago_chunk_pkey" primary key ("claim_id"));',
    'create index "frago_chunk_upload_end_index" on "frago_chunk" ("upload_id", "end_byte");',
    'alter table "frago_chunk" add constraint "frago_chunk_upload_start_unique" unique ("upload_id", "start_byte");',
    'alter table "frago_chunk" add constraint "frago_chunk_upload_id_foreign" foreign key ("upload_id") references "frago_upload" ("id") on update cascade on delete cascade;',
  ],
  sqlite: [
    'create table `frago_upload` (`id` text not null, `owner` text null, `filename` text not null, `total_size` bigint not null, `status` text not null, `storage_key` text not null, `checksum_algorithm` text not null, `expected_checksum` text null, `checksum` text null, `location` text null, `metadata` json not null, `created_at` datetime not null, `expires_at` datetime not null, `completed_at` datetime null, `lease_until` datetime null, `hash_algorithm` text not null, `hash_offset` bigint not null, `hash_state` blob null, primary key (`id`));',
    'create index `frago_upload_owner_created_index` on `frago_upload` (`owner`, `created_at`, `id`);',
    'create index `frago_upload_status_expires_index` on `frago_upload` (`status`, `expires_at`);',
    'create table `frago_chunk` (`claim_id` text not null, `upload_id` text not null, `start_byte` bigint not null, `end_byte` bigint not null, `size` bigint not null, `state` text not null, `digest` text null, `lease_until` datetime null, constraint `frago_chunk_upload_id_foreign` foreign key(`upload_id`) references `frago_upload`(`id`) on delete cascade on update cascade, primary key (`claim_id`));',
    'create index `frago_chunk_upload_id_index` on `frago_chunk` (`upload_id`);',
    'create index `frago_chunk_upload_end_index` on `frago_chunk` (`upload_id`, `end_byte`);',
    'create unique index `frago_chunk_upload_start_unique` on `frago_chunk` (`upload_id`, `start_byte`);',
  ],
  mysql: [
    'create table `frago_upload` (`id` varchar(64) not null, `owner` varchar(255) null, `filename` text not null, `total_size` bigint not null, `status` varchar(16) not null, `storage_key` varchar(255) not null, `checksum_algorithm` varchar(16) not null, `expected_checksum` varchar(255) null, `checksum` varchar(255) null, `location` text null, `metadata` json not null, `created_at` datetime(3) not null, `expires_at` datetime(3) not null, `completed_at` datetime(3) null, `lease_until` datetime(3) null, `hash_algorithm` varchar(16) not null, `hash_offset` bigint not null, `hash_state` blob null, primary key (`id`)) default character set utf8mb4 engine = InnoDB;',
    'alter table `frago_upload` add index `frago_upload_owner_created_index` (`owner`, `created_at`, `id`);',
    'alter table `frago_upload` add index `frago_upload_status_expires_index` (`status`, `expires_at`);',
    'create table `frago_chunk` (`claim_id` varchar(64) not null, `upload_id` varchar(64) not null, `start_byte` bigint not null, `end_byte` bigint not null, `size` bigint not null, `state` varchar(16) not null, `digest` varchar(255) null, `lease_until` datetime(3) null, primary key (`claim_id`)) default character set utf8mb4 engine = InnoDB;',
    'alter table `frago_chunk` add index `frago_chunk_upload_id_index` (`upload_id`);',
    'alter table `frago_chunk` add index `frago_chunk_upload_end_index` (`upload_id`, `end_byte`);',
    'alter table `frago_chunk` add unique `frago_chunk_upload_start_unique` (`upload_id`, `start_byte`);',
    'alter table `frago_chunk` add constraint `frago_chunk_upload_id_foreign` foreign key (`upload_id`) references `frago_upload` (`id`) on update cascade on delete cascade;',
  ],
};

/** The part of a migration's driver frago's migrations ask: its platform. */
interface MigrationDriver {
  getPlatform(): Platform;
}

/**
 * The dialect of the database a migration runs against. Each migration asks first, so
 * that on a database frago does not support (MongoDB ...) it throws before adding any
 * statement and the migrator changes nothing there.
 *
 * @throws {UnsupportedDatabaseError} naming the supported drivers.
 */
function dialectFor(driver: MigrationDriver): Dialect {
  return dialectOf(driver.getPlatform());
}

/**
 * `name` quoted for the migration's database.
 *
 * @throws {UnsupportedDatabaseError} as {@link dialectFor} does.
 */
function quoted(driver: MigrationDriver, name: string): string {
  dialectFor(driver);
  return driver.getPlatform().quoteIdentifier(name);
}

/**
 * Creates `frago_upload` and `frago_chunk` with their keys and indexes (the statements
 * are chosen by the database the migrator runs against).
 */
export class FragoInitialMigration extends Migration {
  override up(): void {
    for (const statement of CREATE_SCHEMA[dialectFor(this.driver)]) this.addSql(statement);
  }

  override down(): void {
    this.addSql(`drop table if exists ${quoted(this.driver, 'frago_chunk')}`);
    this.addSql(`drop table if exists ${quoted(this.driver, 'frago_upload')}`);
  }
}

const ADD_STORAGE_DATA: Record<Dialect, string> = {
  postgresql: 'alter table "frago_chunk" add column "storage_data" text null;',
  sqlite: 'alter table `frago_chunk` add column `storage_data` text null;',
  mysql: 'alter table `frago_chunk` add `storage_data` text null;',
};

/**
 * Adds `frago_chunk.storage_data`: what the storage returned for a chunk (an S3 part's
 * number and ETag, ...), so that any process can assemble the upload.
 */
export class FragoChunkStorageDataMigration extends Migration {
  override up(): void {
    this.addSql(ADD_STORAGE_DATA[dialectFor(this.driver)]);
  }

  override down(): void {
    this.addSql(`alter table ${quoted(this.driver, 'frago_chunk')} drop column ${quoted(this.driver, 'storage_data')}`);
  }
}

/**
 * Keeps PostgreSQL's timestamps at millisecond precision, as the entities now declare
 * them (JS dates have no finer one). SQLite stores epoch milliseconds and MySQL's first
 * migration made them `datetime(3)` already: nothing to do there.
 */
export class FragoMillisecondTimestampsMigration extends Migration {
  override up(): void {
    if (dialectFor(this.driver) !== 'postgresql') return;
    this.addSql(
      'alter table "frago_upload" alter column "created_at" type timestamptz(3), alter column "expires_at" type timestamptz(3), ' +
        'alter column "completed_at" type timestamptz(3), alter column "lease_until" type timestamptz(3);',
    );
    this.addSql('alter table "frago_chunk" alter column "lease_until" type timestamptz(3);');
  }

  override down(): void {
    if (dialectFor(this.driver) !== 'postgresql') return;
    this.addSql(
      'alter table "frago_upload" alter column "created_at" type timestamptz, alter column "expires_at" type timestamptz, ' +
        'alter column "completed_at" type timestamptz, alter column "lease_until" type timestamptz;',
    );
    this.addSql('alter table "frago_chunk" alter column "lease_until" type timestamptz;');
  }
}

const ADD_SIZE_DEFERRED: Record<Dialect, string> = {
  postgresql: 'alter table "frago_upload" add "size_deferred" boolean not null default false;',
  sqlite: 'alter table `frago_upload` add column `size_deferred` integer not null default false;',
  mysql: 'alter table `frago_upload` add `size_deferred` tinyint(1) not null default false;',
};

/**
 * Adds `frago_upload.size_deferred`: true while an upload's size is not declared yet
 * (tus creation-defer-length); `total_size` is 0 until it is.
 */
export class FragoDeferredSizeMigration extends Migration {
  override up(): void {
    this.addSql(ADD_SIZE_DEFERRED[dialectFor(this.driver)]);
  }

  override down(): void {
    this.addSql(`alter table ${quoted(this.driver, 'frago_upload')} drop column ${quoted(this.driver, 'size_deferred')}`);
  }
}

const ADD_CHUNK_CHECKSUM: Record<Dialect, string> = {
  postgresql: 'alter table "frago_chunk" add column "checksum" varchar(64) null;',
  sqlite: 'alter table `frago_chunk` add column `checksum` text null;',
  mysql: 'alter table `frago_chunk` add `checksum` varchar(64) null;',
};

/**
 * Adds `frago_chunk.checksum`: a chunk's own value of a combinable checksum (CRC-32C,
 * CRC-64/NVME), so finalize combines the values instead of reading the bytes back.
 * Chunks stored before it have none and are read back once, at finalize.
 */
export class FragoChunkChecksumMigration extends Migration {
  override up(): void {
    this.addSql(ADD_CHUNK_CHECKSUM[dialectFor(this.driver)]);
  }

  override down(): void {
    this.addSql(`alter table ${quoted(this.driver, 'frago_chunk')} drop column ${quoted(this.driver, 'checksum')}`);
  }
}

// Rows made before keep null, rows made after get false: PostgreSQL and MySQL add the
// column empty and then give it its default; SQLite cannot change a column's default, so
// it adds it with one and empties the rows that were there.
const ADD_DIRECT: Record<Dialect, readonly string[]> = {
  postgresql: ['alter table "frago_upload" add "direct" boolean null;', 'alter table "frago_upload" alter column "direct" set default false;'],
  sqlite: ['alter table `frago_upload` add column `direct` integer null default false;', 'update `frago_upload` set `direct` = null;'],
  mysql: ['alter table `frago_upload` add `direct` tinyint(1) null;', 'alter table `frago_upload` alter `direct` set default false;'],
};

/**
 * Adds `frago_upload.direct`: whether the client sends the upload's parts straight to
 * the store (`UploadRecord.direct`), false for new rows. Rows made before it keep null:
 * for them the storage's own mark still says whether they are direct.
 */
export class FragoDirectModeMigration extends Migration {
  override up(): void {
    for (const statement of ADD_DIRECT[dialectFor(this.driver)]) this.addSql(statement);
  }

  override down(): void {
    this.addSql(`alter table ${quoted(this.driver, 'frago_upload')} drop column ${quoted(this.driver, 'direct')}`);
  }
}

/**
 * frago's migrations, oldest first, for MikroORM's migrator:
 * `migrations: { migrationsList: [...fragoMigrations, ...yours] }`. Names are stable:
 * they are what the migrator records as applied.
 */
export const fragoMigrations: readonly MigrationObject[] = [
  { name: 'frago_0001_initial', class: FragoInitialMigration },
  { name: 'frago_0002_chunk_storage_data', class: FragoChunkStorageDataMigration },
  { name: 'frago_0003_millisecond_timestamps', class: FragoMillisecondTimestampsMigration },
  { name: 'frago_0004_deferred_size', class: FragoDeferredSizeMigration },
  { name: 'frago_0005_chunk_checksum', class: FragoChunkChecksumMigration },
  { name: 'frago_0006_direct_mode', class: FragoDirectModeMigration },
];
