import type { ChecksumAlgorithm, ChunkRecord, UploadRecord, UploadStatus } from '@frago/core';
import type { Platform } from '@mikro-orm/core';

/** A row as the driver returns it, keyed by column name. */
export type Row = Readonly<Record<string, unknown>>;

/** The upload columns {@link RowReader.upload} reads: a select list for statements that return uploads. */
export const UPLOAD_COLUMNS =
  'id, owner, filename, total_size, size_deferred, status, storage_key, checksum_algorithm, expected_checksum, checksum, location, ' +
  'metadata, created_at, expires_at, completed_at, lease_until, hash_algorithm, hash_offset, hash_state, direct';

/** The chunk columns {@link RowReader.chunk} reads: a select list for statements that return chunks. */
export const CHUNK_COLUMNS = 'claim_id, start_byte, end_byte, size, state, digest, lease_until, storage_data, checksum';

/**
 * Turns raw rows into frago's records. The drivers hand back different shapes for the
 * same column: PostgreSQL returns `bigint` as a string, timestamps as strings (in
 * MikroORM's configuration) and JSON parsed; SQLite returns numbers, epoch milliseconds
 * and JSON text; MySQL and MariaDB return `datetime` as text without a zone (written in
 * the ORM's `timezone`) and JSON as text or parsed. All come out as the same record.
 */
export class RowReader {
  // The zone MikroORM writes zone-less timestamps in (`Z` unless configured otherwise).
  private readonly zone: string | undefined;

  constructor(private readonly platform: Platform) {
    const zone = platform.getTimezone();
    this.zone = zone === undefined || zone === 'local' ? undefined : zone;
  }

  /** The upload stored in `row`. */
  upload(row: Row): UploadRecord {
    return {
      id: String(row.id),
      owner: nullableString(row.owner),
      filename: String(row.filename),
      totalSize: flag(row.size_deferred) ? null : safeInteger(row.total_size),
      status: String(row.status) as UploadStatus,
      storageKey: String(row.storage_key),
      checksumAlgorithm: String(row.checksum_algorithm) as ChecksumAlgorithm,
      expectedChecksum: nullableString(row.expected_checksum),
      checksum: nullableString(row.checksum),
      location: nullableString(row.location),
      metadata: json(row.metadata),
      createdAt: this.date(row.created_at),
      expiresAt: this.date(row.expires_at),
      completedAt: this.nullableDate(row.completed_at),
      leaseUntil: this.nullableDate(row.lease_until),
      hash: {
        algorithm: String(row.hash_algorithm) as ChecksumAlgorithm,
        offset: safeInteger(row.hash_offset),
        state: bytes(row.hash_state),
      },
      direct: row.direct === null || row.direct === undefined ? null : flag(row.direct),
    };
  }

  /** The chunk stored in `row`. */
  chunk(row: Row): ChunkRecord {
    return {
      start: safeInteger(row.start_byte),
      end: safeInteger(row.end_byte),
      size: safeInteger(row.size),
      state: row.state === 'stored' ? 'stored' : 'pending',
      claimId: String(row.claim_id),
      digest: nullableString(row.digest),
      leaseUntil: this.nullableDate(row.lease_until),
      storageData: nullableString(row.storage_data),
      checksum: nullableString(row.checksum),
    };
  }

  private date(value: unknown): Date {
    const date = value instanceof Date ? value : this.platform.parseDate(this.zoned(value));
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
      throw new TypeError(`frago: not a timestamp: ${String(value)}`);
    }
    return date;
  }

  /** A MySQL `datetime` text with the zone it was written in; other values as they are. */
  private zoned(value: unknown): string | number {
    if (typeof value !== 'string') return Number(value);
    return this.zone === undefined || /(?:Z|[+-]\d\d(?::?\d\d)?)$/.test(value) ? value : `${value}${this.zone}`;
  }

  private nullableDate(value: unknown): Date | null {
    return value === null || value === undefined ? null : this.date(value);
  }
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A boolean column: PostgreSQL answers a boolean, SQLite and MySQL 0 or 1. */
function flag(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

function safeInteger(value: unknown): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new RangeError(`frago: not a safe integer: ${String(value)}`);
  return number;
}

function json(value: unknown): Readonly<Record<string, unknown>> {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

function bytes(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  // libSQL hands blobs out as an ArrayBuffer, the other drivers as a Buffer.
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (!(value instanceof Uint8Array)) throw new TypeError('frago: hash_state is not binary');
  return Uint8Array.from(value);
}
