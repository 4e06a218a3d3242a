import type {
  ByteRange,
  ChunkQuery,
  ChunkRecord,
  ClaimResult,
  HashProgress,
  ListQuery,
  NewUpload,
  TransitionGuard,
  TransitionPatch,
  UploadRecord,
  UploadRepository,
  UploadStatus,
} from '@frago/core';
import { isLiveClaim, newUploadRecord } from '@frago/core';
import { raw, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from './_dialect.js';
import { dialectOf } from './_dialect.js';
import { CHUNK_COLUMNS, RowReader, UPLOAD_COLUMNS } from './_rows.js';
import { runnerFor } from './_runner.js';
import type { Script, StatementRunner } from './_statements.js';
import { affected, rows } from './_statements.js';
import { CHUNK_ENTITY_NAME, UPLOAD_ENTITY_NAME } from './entities.js';

/** An entity schema, or the name it is registered under. */
export type EntityRef = string | { readonly meta: { readonly className: string } };

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
   * PostgreSQL only: run statements as named prepared statements, parsed once per
   * connection (default true). Turn off behind a pooler that cannot keep them, such
   * as PgBouncer before 1.21 in transaction mode.
   */
  readonly preparedStatements?: boolean;
}

/** The part of a MikroORM instance the repository uses: its SQL entity manager. */
export interface SqlOrm {
  readonly em: SqlEntityManager;
}

/** How often a claim is retried when the unique key catches a race the row lock did not. */
const CLAIM_ATTEMPTS = 3;

/**
 * An {@link UploadRepository} on MikroORM, for PostgreSQL and SQLite, safe for many
 * processes sharing one database. Decisions are single conditional statements or short
 * transactions that serialise on the upload's row: on PostgreSQL with row locks
 * (`FOR UPDATE` to claim, `FOR SHARE` to store), on SQLite by its single writer.
 * Every chunk operation costs a constant number of round trips.
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
  private readonly uploadEntity: string;
  private readonly uploadsTable: string;
  private readonly uploadColumn: (property: string) => string;
  private readonly chunksTable: string;
  private readonly dialect: Dialect;
  private readonly runner: StatementRunner;
  private readonly reader: RowReader;
  private readonly columns: ((upload: NewUpload) => Record<string, unknown>) | undefined;

  /**
   * @param orm an initialised MikroORM on PostgreSQL or SQLite with frago's entities registered.
   * @throws {Error} when the database is neither (or is reached through another driver than
   *   `pg` or `better-sqlite3`), or an entity is not registered.
   */
  constructor(orm: SqlOrm, options: MikroOrmRepositoryOptions = {}) {
    this.orm = orm;
    const metadata = orm.em.getMetadata();
    const platform = orm.em.getPlatform();
    this.uploadEntity = entityName(options.upload ?? UPLOAD_ENTITY_NAME);
    const upload = metadata.get(this.uploadEntity);
    this.uploadsTable = platform.quoteIdentifier(upload.tableName);
    this.uploadColumn = (property) => {
      const column = upload.properties[property]?.fieldNames[0];
      if (column === undefined) throw new Error(`frago: ${this.uploadEntity} has no property ${property}`);
      return column;
    };
    this.chunksTable = platform.quoteIdentifier(metadata.get(entityName(options.chunk ?? CHUNK_ENTITY_NAME)).tableName);
    const knex = orm.em.getConnection('write').getKnex();
    this.dialect = dialectOf(knex);
    this.runner = runnerFor(knex, this.dialect, platform, { prepared: options.preparedStatements ?? true });
    this.reader = new RowReader(platform);
    this.columns = options.columns;
  }

  async create(upload: NewUpload): Promise<UploadRecord> {
    const record = newUploadRecord(upload);
    const values = {
      id: record.id,
      owner: record.owner,
      filename: record.filename,
      totalSize: record.totalSize,
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
    };
    if (this.columns === undefined) {
      const properties = Object.keys(values);
      await this.runner.affected(
        `insert into ${this.uploadsTable} (${properties.map((property) => this.uploadColumn(property)).join(', ')})
         values (${properties.map(() => '?').join(', ')})`,
        Object.values(values),
      );
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runner.transaction(() => this.claimOnce(uploadId, range, claim));
      } catch (error) {
        // The unique (upload_id, start_byte) key only fires if a claim slipped past the
        // upload row's lock; trying again then finds the winner and reports it.
        if (!(error instanceof UniqueConstraintViolationException) || attempt >= CLAIM_ATTEMPTS) throw error;
      }
    }
  }

  async renewClaim(uploadId: string, claimId: string, leaseUntil: Date): Promise<boolean> {
    const changed = await this.runner.affected(
      `update ${this.chunksTable} set lease_until = ? where upload_id = ? and claim_id = ? and state = 'pending'`,
      [leaseUntil, uploadId, claimId],
    );
    return changed > 0;
  }

  async storeClaim(uploadId: string, claimId: string, storageData: string | null = null): Promise<boolean> {
    // FOR SHARE makes a concurrent transition of the upload wait for this statement
    // (and this statement wait for it), so a chunk is never stored after the upload
    // left in_progress, and a finalizer always sees every chunk stored before it.
    const lock = rowLock(this.dialect, 'share');
    const changed = await this.runner.affected(
      `update ${this.chunksTable} set state = 'stored', lease_until = null, storage_data = ?
       where upload_id = ? and claim_id = ? and state = 'pending'
       and exists (select 1 from ${this.uploadsTable} where id = ? and status = 'in_progress'${lock})`,
      [storageData, uploadId, claimId, uploadId],
    );
    return changed > 0;
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
    const [row] = await this.runner.rows(
      `update ${this.uploadsTable} set ${sets.join(', ')} where id = ? and status = ?${leaseCondition} returning ${UPLOAD_COLUMNS}`,
      params,
    );
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
       where (status = 'in_progress' and expires_at < ?) or status in ('expired', 'aborted')
       order by expires_at limit ?`,
      [now, limit],
    );
    return uploads.map((row) => this.reader.upload(row));
  }

  async delete(uploadId: string): Promise<void> {
    await this.runner.transaction(() => this.deleteOnce(uploadId));
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
         select ?, ?, ?, ?, ?, 'pending', ?, ?
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

  private *deleteOnce(uploadId: string): Script<void> {
    yield* affected(`delete from ${this.uploadsTable} where id = ?`, [uploadId]);
    // The foreign key cascades already; this covers a SQLite connection opened
    // without `pragma foreign_keys = on`, where the cascade silently does nothing.
    yield* affected(`delete from ${this.chunksTable} where upload_id = ?`, [uploadId]);
  }
}

/** The clause that locks the rows a statement reads: PostgreSQL's row locks; SQLite has none and needs none. */
function rowLock(dialect: Dialect, strength: 'update' | 'share'): string {
  return dialect === 'postgresql' ? ` for ${strength}` : '';
}

function entityName(ref: EntityRef): string {
  return typeof ref === 'string' ? ref : ref.meta.className;
}
