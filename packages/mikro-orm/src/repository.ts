import type {
  ByteRange,
  ChunkQuery,
  ChunkRecord,
  ClaimResult,
  HashProgress,
  HeldClaim,
  ListQuery,
  NewClaim,
  NewUpload,
  StoredRange,
  TransitionGuard,
  TransitionPatch,
  UploadRecord,
  UploadRepository,
  UploadStatus,
} from '@frago/core';
import { isLiveClaim, newUploadRecord } from '@frago/core';
import type { EntityMetadata, EntityName, MetadataStorage } from '@mikro-orm/core';
import { DeadlockException, raw, UniqueConstraintViolationException, Utils } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Dialect } from './_dialect.js';
import { dialectOf, noTable, rowLock } from './_dialect.js';
import type { Row } from './_rows.js';
import { CHUNK_COLUMNS, RowReader, UPLOAD_COLUMNS } from './_rows.js';
import { runnerFor } from './_runner.js';
import type { Script, StatementRunner } from './_statements.js';
import { affected, rows } from './_statements.js';
import { FragoChunk, FragoUpload } from './entities.js';

/** An entity: the schema {@link defineUploadEntity} or {@link defineChunkEntity} returned. */
export type EntityRef = EntityName;

/** Options of {@link MikroOrmRepository}. */
export interface MikroOrmRepositoryOptions {
  /** The upload entity in your config, when you defined your own with {@link defineUploadEntity}. Default `FragoUpload`. */
  readonly upload?: EntityRef;
  /** The chunk entity in your config, when you defined your own with {@link defineChunkEntity}. Default `FragoChunk`. */
  readonly chunk?: EntityRef;
  /**
   * Values for the properties you added to the upload entity, keyed by property name,
   * computed when an upload is created (from its `owner`, `metadata`, ...). The ORM
   * converts them, so a relation takes the related entity's id.
   */
  readonly columns?: (upload: NewUpload) => Record<string, unknown>;
  /**
   * PostgreSQL through `@mikro-orm/postgresql` only: run statements as named prepared
   * statements, parsed once per connection (default true). Turn off behind a pooler that
   * cannot keep them, such as PgBouncer before 1.21 in transaction mode.
   */
  readonly preparedStatements?: boolean;
}

/** The part of a MikroORM instance the repository uses: its SQL entity manager. */
export interface SqlOrm {
  readonly em: SqlEntityManager;
}

/**
 * How often a claim is retried when the unique key catches a race the row lock did not,
 * or InnoDB picked the claim as a deadlock's victim.
 */
const CLAIM_ATTEMPTS = 3;

/**
 * An {@link UploadRepository} on MikroORM 7, for SQLite, libSQL, PostgreSQL, MySQL and
 * MariaDB, safe for many processes sharing one database. Decisions are single
 * conditional statements or short transactions that serialise on the upload's row: on
 * PostgreSQL, MySQL and MariaDB with row locks (exclusive to claim, shared to store), on
 * SQLite by its single writer. Every chunk operation costs a constant number of round trips.
 *
 * @example
 * ```ts
 * const orm = await MikroORM.init({
 *   entities: [...fragoEntities],
 *   extensions: [Migrator],
 *   migrations: { migrationsList: [...fragoMigrations] },
 *   // clientUrl or dbName ...
 * });
 * await orm.migrator.up();
 * const repository = new MikroOrmRepository(orm);
 * ```
 */
export class MikroOrmRepository implements UploadRepository {
  private readonly orm: SqlOrm;
  private readonly uploadEntity: EntityName;
  private readonly uploadsTable: string;
  private readonly uploadColumn: (property: string) => string;
  private readonly chunksTable: string;
  private readonly dialect: Dialect;
  private readonly runner: StatementRunner;
  private readonly reader: RowReader;
  private readonly columns: ((upload: NewUpload) => Record<string, unknown>) | undefined;
  /** Marks a pending claim stored; the caller adds the condition on the upload's status. */
  private readonly storeSql: string;
  private readonly deleteChunksSql: string;

  /**
   * @param orm an initialised MikroORM on one of the SQL drivers above, with frago's entities registered.
   * @throws {UnsupportedDatabaseError} for any other database (MongoDB, MS SQL Server, Oracle).
   * @throws {Error} when an entity is not registered.
   */
  constructor(orm: SqlOrm, options: MikroOrmRepositoryOptions = {}) {
    this.orm = orm;
    const metadata = orm.em.getMetadata();
    const platform = orm.em.getPlatform();
    // First, so that an unsupported database is named before anything else can fail on it.
    this.dialect = dialectOf(platform);
    const upload = registered(metadata, options.upload ?? FragoUpload);
    this.uploadEntity = upload.class;
    this.uploadsTable = platform.quoteIdentifier(upload.tableName);
    this.uploadColumn = (property) => {
      const column = upload.properties[property]?.fieldNames[0];
      if (column === undefined) throw new Error(`frago: ${upload.className} has no property ${property}`);
      return column;
    };
    this.chunksTable = platform.quoteIdentifier(registered(metadata, options.chunk ?? FragoChunk).tableName);
    this.runner = runnerFor({
      connection: orm.em.getConnection('write'),
      platform,
      dialect: this.dialect,
      libraries: orm.em.getDriver().getDependencies(),
      prepared: options.preparedStatements ?? true,
      lockTable: this.uploadsTable,
    });
    this.reader = new RowReader(platform);
    this.storeSql = `update ${this.chunksTable} set state = 'stored', lease_until = null, storage_data = ?, checksum = ?
       where upload_id = ? and claim_id = ? and state = 'pending'`;
    this.deleteChunksSql = `delete from ${this.chunksTable} where upload_id = ?`;
    this.columns = options.columns;
  }

  /** Resolves when the database answers `select 1`; rejects with the driver's error otherwise. */
  async ping(): Promise<void> {
    const check = await this.orm.em.getConnection().checkConnection();
    if (!check.ok) throw check.error ?? new Error(check.reason);
  }

  async create(upload: NewUpload): Promise<UploadRecord> {
    const record = newUploadRecord(upload);
    const values = this.uploadValues(record);
    if (this.columns === undefined) {
      await this.runner.affected(this.insertUploadSql(values), Object.values(values));
    } else {
      // The ORM converts the application's own values (a relation becomes its id ...).
      await this.orm.em.fork().insert(this.uploadEntity, {
        ...this.columns(upload),
        ...values,
        // Passed as serialised: the ORM walks a plain object as query parameters and fails
        // on keys such as `constructor`, which are fine in a client's metadata.
        metadata: raw('?', [values.metadata]),
      });
    }
    return record;
  }

  async createClaimed(upload: NewUpload, claim: NewClaim): Promise<UploadRecord> {
    if (this.columns !== undefined) {
      // The ORM's insert of the application's columns cannot join frago's transaction.
      const record = await this.create(upload);
      const claimed = await this.claimRange(record.id, claim, { ...claim, now: record.createdAt });
      if (claimed.kind !== 'claimed') throw new Error(`frago: a new upload's claim came back ${claimed.kind}`);
      return record;
    }
    const record = newUploadRecord(upload);
    const values = this.uploadValues(record);
    const chunk = [claim.claimId, record.id, claim.start, claim.end, claim.end - claim.start + 1, claim.digest, claim.leaseUntil];
    const columns = `${this.chunksTable} (claim_id, upload_id, start_byte, end_byte, size, state, digest, lease_until)`;
    if (this.dialect === 'postgresql') {
      // One statement, so one round trip: PostgreSQL runs both inserts as one.
      await this.runner.affected(
        `with inserted as (${this.insertUploadSql(values)} returning id)
         insert into ${columns} select ?, id, ?, ?, ?, 'pending', ?, ? from inserted`,
        [...Object.values(values), ...chunk.slice(0, 1), ...chunk.slice(2)],
      );
    } else {
      await this.runner.transaction(function* (this: MikroOrmRepository) {
        yield* affected(this.insertUploadSql(values), Object.values(values));
        yield* affected(`insert into ${columns} values (?, ?, ?, ?, ?, 'pending', ?, ?)`, chunk);
      }.bind(this));
    }
    return record;
  }

  async get(id: string): Promise<UploadRecord | null> {
    const [row] = await this.runner.rows(`select ${UPLOAD_COLUMNS} from ${this.uploadsTable} where id = ?`, [id]);
    return row === undefined ? null : this.reader.upload(row);
  }

  async list(owner: string, query: ListQuery): Promise<UploadRecord[]> {
    const after = query.after;
    const page =
      after === undefined
        ? { sql: '', params: [] }
        : { sql: ' and (created_at < ? or (created_at = ? and id < ?))', params: [after.createdAt, after.createdAt, after.id] };
    const uploads = await this.runner.rows(
      `select ${UPLOAD_COLUMNS} from ${this.uploadsTable} where owner = ?${page.sql} order by created_at desc, id desc limit ?`,
      [owner, ...page.params, query.limit],
    );
    return uploads.map((row) => this.reader.upload(row));
  }

  async chunks(uploadId: string, query?: ChunkQuery): Promise<ChunkRecord[]> {
    // Chunks never overlap, so ordering by end is ordering by start, and a window is a
    // range scan of the (upload_id, end_byte) index.
    const chunks =
      query === undefined
        ? await this.runner.rows(`select ${CHUNK_COLUMNS} from ${this.chunksTable} where upload_id = ? order by start_byte`, [uploadId])
        : await this.runner.rows(
            `select ${CHUNK_COLUMNS} from ${this.chunksTable} where upload_id = ? and end_byte >= ? order by end_byte limit ?`,
            [uploadId, query.from, query.limit],
          );
    return chunks.map((row) => this.reader.chunk(row));
  }

  async claimRange(
    uploadId: string,
    range: ByteRange,
    claim: { readonly claimId: string; readonly digest: string | null; readonly leaseUntil: Date; readonly now: Date },
  ): Promise<ClaimResult> {
    return this.claiming(() => this.claimOnce(uploadId, range, claim));
  }

  async declareSize(uploadId: string, totalSize: number): Promise<UploadRecord | null> {
    // The same statement on every database: the chunk check and the update see one
    // snapshot, and a claim past the size, which locks the upload's row, waits or wins.
    const update = `update ${this.uploadsTable} set total_size = ?, size_deferred = ?
       where id = ? and status = 'in_progress' and size_deferred = ?
       and not exists (select 1 from ${this.chunksTable} where upload_id = ? and end_byte >= ?)`;
    const params = [totalSize, false, uploadId, true, uploadId, totalSize];
    const [row] =
      this.dialect === 'mysql'
        ? await this.runner.transaction(() => this.updateThenRead(update, params, uploadId))
        : await this.runner.rows(`${update} returning ${UPLOAD_COLUMNS}`, params);
    return row === undefined ? null : this.reader.upload(row);
  }

  async recordStored(uploadId: string, ranges: readonly StoredRange[], now: Date): Promise<number> {
    return this.claiming(() => this.recordOnce(uploadId, ranges, now));
  }

  async markDirect(uploadId: string): Promise<boolean> {
    const changed = await this.runner.affected(`update ${this.uploadsTable} set direct = ? where id = ? and status = 'in_progress'`, [true, uploadId]);
    return changed > 0;
  }

  async renewClaim(uploadId: string, claimId: string, leaseUntil: Date): Promise<boolean> {
    const changed = await this.runner.affected(
      `update ${this.chunksTable} set lease_until = ? where upload_id = ? and claim_id = ? and state = 'pending'`,
      [leaseUntil, uploadId, claimId],
    );
    return changed > 0;
  }

  async storeClaim(uploadId: string, claimId: string, storageData: string | null = null, checksum: string | null = null): Promise<boolean> {
    // A shared lock on the upload's row makes a concurrent transition of the upload wait
    // for this store (and this store wait for it), so a chunk is never stored after the
    // upload left in_progress, and a finalizer always sees every chunk stored before it.
    const values = [storageData, checksum] as const;
    if (this.dialect === 'mysql') return this.runner.transaction(() => this.storeLocked(uploadId, claimId, values));
    const changed = await this.runner.affected(
      `${this.storeSql} and exists (select 1 from ${this.uploadsTable} where id = ? and status = 'in_progress'${rowLock(this.dialect, 'share')})`,
      [...values, uploadId, claimId, uploadId],
    );
    return changed > 0;
  }

  async storeAndHold(uploadId: string, { claimId, storageData, checksum = null, hash, leaseUntil }: HeldClaim): Promise<UploadRecord | null> {
    const sets = ["status = 'assembling'", 'lease_until = ?'];
    const params: unknown[] = [leaseUntil];
    if (hash !== null) {
      sets.push('hash_algorithm = ?', 'hash_offset = ?', 'hash_state = ?');
      params.push(hash.algorithm, hash.offset, hash.state === null ? null : Buffer.from(hash.state));
    }
    params.push(uploadId);
    const hold = `update ${this.uploadsTable} set ${sets.join(', ')} where id = ? and status = 'in_progress'`;
    try {
      const [row] = await this.runner.transaction(() => this.storeAndHoldOnce(hold, params, uploadId, claimId, [storageData, checksum]));
      return row === undefined ? null : this.reader.upload(row);
    } catch (error) {
      if (error instanceof ClaimGone) return null;
      throw error;
    }
  }

  async releaseClaim(uploadId: string, claimId: string): Promise<void> {
    await this.runner.affected(`delete from ${this.chunksTable} where upload_id = ? and claim_id = ? and state = 'pending'`, [
      uploadId,
      claimId,
    ]);
  }

  async transition(
    uploadId: string,
    guard: TransitionGuard,
    to: UploadStatus,
    patch: TransitionPatch = {},
  ): Promise<UploadRecord | null> {
    const sets = ['status = ?'];
    const params: unknown[] = [to];
    for (const [column, value] of [
      ['checksum', patch.checksum],
      ['checksum_algorithm', patch.checksumAlgorithm],
      ['location', patch.location],
      ['completed_at', patch.completedAt],
      ['lease_until', patch.leaseUntil],
    ] as const) {
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(value);
    }
    params.push(uploadId, guard.status);
    let leaseCondition = '';
    if (guard.leaseExpiredBefore !== undefined) {
      leaseCondition = ' and (lease_until is null or lease_until < ?)';
      params.push(guard.leaseExpiredBefore);
    }
    const update = `update ${this.uploadsTable} set ${sets.join(', ')} where id = ? and status = ?${leaseCondition}`;
    const [row] =
      this.dialect === 'mysql'
        ? await this.runner.transaction(() => this.updateThenRead(update, params, uploadId))
        : await this.runner.rows(`${update} returning ${UPLOAD_COLUMNS}`, params);
    return row === undefined ? null : this.reader.upload(row);
  }

  async saveHashProgress(uploadId: string, fromOffset: number, progress: HashProgress): Promise<boolean> {
    const changed = await this.runner.affected(
      `update ${this.uploadsTable} set hash_offset = ?, hash_state = ?
       where id = ? and hash_offset = ? and hash_algorithm = ?`,
      [progress.offset, progress.state === null ? null : Buffer.from(progress.state), uploadId, fromOffset, progress.algorithm],
    );
    return changed > 0;
  }

  async findExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    const uploads = await this.runner.rows(
      `select ${UPLOAD_COLUMNS} from ${this.uploadsTable}
       where status = 'expired' or (status in ('in_progress', 'aborted') and expires_at < ?)
       order by expires_at limit ?`,
      [now, limit],
    );
    return uploads.map((row) => this.reader.upload(row));
  }

  async delete(uploadId: string): Promise<void> {
    await this.runner.transaction(() => this.deleteOnce(uploadId));
  }

  async deleteChunks(uploadId: string): Promise<void> {
    await this.runner.affected(this.deleteChunksSql, [uploadId]);
  }

  async countActive(owner: string): Promise<number> {
    const [row] = await this.runner.rows(
      `select count(*) as active from ${this.uploadsTable} where owner = ? and status in ('in_progress', 'assembling')`,
      [owner],
    );
    return Number(row?.active ?? 0);
  }

  private *claimOnce(
    uploadId: string,
    range: ByteRange,
    claim: { readonly claimId: string; readonly digest: string | null; readonly leaseUntil: Date; readonly now: Date },
  ): Script<ClaimResult> {
    // PostgreSQL: every claim, store and transition of this upload queues behind this
    // row lock. SQLite has no row locks, but the transaction began with the database's
    // write lock, so two processes never decide on the same snapshot.
    const [uploadRow] = yield* rows(
      `select ${UPLOAD_COLUMNS} from ${this.uploadsTable} where id = ?${rowLock(this.dialect, 'update')}`,
      [uploadId],
    );
    if (uploadRow === undefined) return { kind: 'not_in_progress', upload: null };
    if (uploadRow.status !== 'in_progress') return { kind: 'not_in_progress', upload: this.reader.upload(uploadRow) };

    // Chunks never overlap (a claim is only inserted when nothing overlaps it), so the
    // one chunk that can overlap the range first is the first to end at or after its
    // start: a lookup of one row in the (upload_id, end_byte) index, however many chunks
    // the upload has and in whatever order they came.
    const nearest = `from ${this.chunksTable} where upload_id = ? and end_byte >= ? order by end_byte limit 1`;
    // No chunk of this upload can be added while the lock is held, but releases do not
    // wait for it: chunks that overlap the range can only go away, so this ends.
    for (;;) {
      const inserted = yield* affected(
        `insert into ${this.chunksTable} (claim_id, upload_id, start_byte, end_byte, size, state, digest, lease_until)
         select ?, ?, ?, ?, ?, 'pending', ?, ?${noTable(this.dialect)}
         where not exists (select 1 from (select start_byte ${nearest}) nearest where nearest.start_byte <= ?)`,
        [
          claim.claimId,
          uploadId,
          range.start,
          range.end,
          range.end - range.start + 1,
          claim.digest,
          claim.leaseUntil,
          uploadId,
          range.start,
          range.end,
        ],
      );
      if (inserted > 0) return { kind: 'claimed', claimId: claim.claimId };
      const [blockingRow] = yield* rows(`select ${CHUNK_COLUMNS} ${nearest}`, [uploadId, range.start]);
      // Released since the insert: try again.
      if (blockingRow === undefined) continue;
      const chunk = this.reader.chunk(blockingRow);
      if (chunk.start > range.end) continue;
      // An abandoned claim gives way; what blocks then is live: stored, or pending with a lease.
      if (chunk.state === 'pending' && !isLiveClaim(chunk, claim.now)) {
        yield* affected(
          `delete from ${this.chunksTable} where upload_id = ? and claim_id = ? and state = 'pending' and (lease_until is null or lease_until <= ?)`,
          [uploadId, chunk.claimId, claim.now],
        );
        continue;
      }
      const same = chunk.start === range.start && chunk.end === range.end;
      if (!same) return { kind: 'conflict', chunk };
      return chunk.state === 'stored' ? { kind: 'duplicate', chunk } : { kind: 'in_flight', chunk };
    }
  }

  /** Runs a script that claims ranges in a transaction, again when it lost a race. */
  private async claiming<T>(script: () => Script<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runner.transaction(script);
      } catch (error) {
        // The unique (upload_id, start_byte) key only fires if a claim slipped past the
        // upload row's lock; trying again then finds the winner and reports it.
        // A deadlock's victim was rolled back whole and may simply try again.
        const retriable = error instanceof UniqueConstraintViolationException || error instanceof DeadlockException;
        if (!retriable || attempt >= CLAIM_ATTEMPTS) throw error;
      }
    }
  }

  /** Claims and stores each range in the caller's transaction, which holds the upload's row from the first claim on. */
  private *recordOnce(uploadId: string, ranges: readonly StoredRange[], now: Date): Script<number> {
    let recorded = 0;
    for (const { claimId, digest, storageData, ...range } of ranges) {
      const claim = yield* this.claimOnce(uploadId, range, { claimId, digest, leaseUntil: now, now });
      if (claim.kind === 'not_in_progress') return recorded;
      if (claim.kind !== 'claimed') continue;
      recorded += yield* affected(this.storeSql, [storageData, null, uploadId, claimId]);
    }
    return recorded;
  }

  /**
   * MySQL's and MariaDB's `UPDATE` returns no rows: the row is read back in the same
   * transaction, which still holds the update's lock on it, so it is the row as updated.
   */
  private *updateThenRead(update: string, params: readonly unknown[], uploadId: string): Script<Row[]> {
    const changed = yield* affected(update, params);
    if (changed === 0) return [];
    return yield* rows(`select ${UPLOAD_COLUMNS} from ${this.uploadsTable} where id = ?`, [uploadId]);
  }

  /**
   * The upload held first: its row's lock makes every claim, store and transition of the
   * upload wait, so the claim found next stays as found until the commit. A claim gone
   * by then rolls the hold back.
   */
  private *storeAndHoldOnce(hold: string, params: readonly unknown[], uploadId: string, claimId: string, values: readonly [string | null, string | null]): Script<Row[]> {
    const held = this.dialect === 'mysql' ? yield* this.updateThenRead(hold, params, uploadId) : yield* rows(`${hold} returning ${UPLOAD_COLUMNS}`, params);
    if (held.length === 0) return held;
    if ((yield* affected(this.storeSql, [...values, uploadId, claimId])) === 0) throw new ClaimGone();
    return held;
  }

  /** The columns and values of a new upload's row, by property name. */
  private uploadValues(record: UploadRecord): Record<string, unknown> {
    return {
      id: record.id,
      owner: record.owner,
      filename: record.filename,
      totalSize: record.totalSize ?? 0,
      // Only when set: a database not migrated to `frago_0004_deferred_size` yet still takes ordinary uploads.
      ...(record.totalSize === null ? { sizeDeferred: true } : {}),
      status: record.status,
      storageKey: record.storageKey,
      checksumAlgorithm: record.checksumAlgorithm,
      expectedChecksum: record.expectedChecksum,
      checksum: null,
      location: null,
      metadata: JSON.stringify(record.metadata),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      completedAt: null,
      leaseUntil: null,
      hashAlgorithm: record.hash.algorithm,
      hashOffset: record.hash.offset,
      hashState: record.hash.state,
      // `direct` is left to the column's default (false): a database not migrated to
      // `frago_0006_direct_mode` yet still takes uploads.
    };
  }

  private insertUploadSql(values: Record<string, unknown>): string {
    const properties = Object.keys(values);
    return `insert into ${this.uploadsTable} (${properties.map((property) => this.uploadColumn(property)).join(', ')})
       values (${properties.map(() => '?').join(', ')})`;
  }

  /** Stores a claim after taking a shared lock on its upload's row, for InnoDB (see storeClaim). */
  private *storeLocked(uploadId: string, claimId: string, values: readonly [string | null, string | null]): Script<boolean> {
    const [upload] = yield* rows(
      `select status from ${this.uploadsTable} where id = ? and status = 'in_progress'${rowLock(this.dialect, 'share')}`,
      [uploadId],
    );
    if (upload === undefined) return false;
    return (yield* affected(this.storeSql, [...values, uploadId, claimId])) > 0;
  }

  private *deleteOnce(uploadId: string): Script<void> {
    yield* affected(`delete from ${this.uploadsTable} where id = ?`, [uploadId]);
    // The foreign key cascades already; this covers a SQLite connection opened
    // without `pragma foreign_keys = on`, where the cascade silently does nothing.
    yield* affected(this.deleteChunksSql, [uploadId]);
  }
}

/** Thrown inside {@link MikroOrmRepository.storeAndHold}'s transaction to roll it back: the claim was gone. */
class ClaimGone extends Error {}

/**
 * The metadata the ORM discovered for the entity named like `ref`: the application may
 * have registered its own definition under frago's default name.
 *
 * @throws {Error} when no entity of that name is registered.
 */
function registered(metadata: MetadataStorage, ref: EntityRef): EntityMetadata {
  const name = Utils.className(ref);
  for (const meta of metadata.getAll().values()) if (meta.className === name) return meta;
  throw new Error(`frago: no entity ${name} in the MikroORM config; register fragoEntities or your own definitions`);
}
