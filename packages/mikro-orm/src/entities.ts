import type { ChecksumAlgorithm, UploadStatus } from '@frago/core';
import type { EntitySchemaMetadata } from '@mikro-orm/core';
import { BigIntType, EntitySchema, Uint8ArrayType } from '@mikro-orm/core';

/** The upload entity's default name; {@link MikroOrmRepository} looks it up unless given another. */
export const UPLOAD_ENTITY_NAME = 'FragoUpload';
/** The chunk entity's default name; {@link MikroOrmRepository} looks it up unless given another. */
export const CHUNK_ENTITY_NAME = 'FragoChunk';

/** The table of uploads the shipped migrations create. */
export const UPLOAD_TABLE = 'frago_upload';
/** The table of chunks the shipped migrations create. */
export const CHUNK_TABLE = 'frago_chunk';

/**
 * An upload row as the ORM sees it. Byte counts are JS numbers: they stay exact up to
 * `Number.MAX_SAFE_INTEGER` (8 PiB), far beyond any file frago accepts.
 */
export interface FragoUploadEntity {
  id: string;
  owner: string | null;
  filename: string;
  /** The size in bytes; 0 while `sizeDeferred`. */
  totalSize: number;
  /** True while the size is not declared yet (`UploadRecord.totalSize` null); added by `frago_0004_deferred_size`. */
  sizeDeferred: boolean;
  status: UploadStatus;
  storageKey: string;
  checksumAlgorithm: ChecksumAlgorithm;
  expectedChecksum: string | null;
  checksum: string | null;
  location: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  expiresAt: Date;
  completedAt: Date | null;
  leaseUntil: Date | null;
  hashAlgorithm: ChecksumAlgorithm;
  hashOffset: number;
  hashState: Uint8Array | null;
  /** Whether the parts go straight to the store (`UploadRecord.direct`); null for rows older than `frago_0006_direct_mode`. */
  direct: boolean | null;
}

/** A chunk row as the ORM sees it: a claimed (`pending`) or persisted (`stored`) byte range. */
export interface FragoChunkEntity {
  claimId: string;
  upload: FragoUploadEntity;
  startByte: number;
  endByte: number;
  size: number;
  state: 'pending' | 'stored';
  digest: string | null;
  leaseUntil: Date | null;
  /** What the storage returned for the chunk (an S3 part's ETag ...); added by `frago_0002_chunk_storage_data`. */
  storageData: string | null;
  /** The chunk's value of a combinable checksum (`crc32c:e3069283`); added by `frago_0005_chunk_checksum`. */
  checksum: string | null;
}

/** MikroORM property definitions for every property of `Entity`. */
export type EntityProperties<Entity> = NonNullable<EntitySchemaMetadata<Entity>['properties']>;

/** Options of {@link defineUploadEntity}. */
export interface UploadEntityOptions<Extra extends object> {
  /** Entity name; default `FragoUpload`. A chunk entity must then point at it ({@link ChunkEntityOptions.upload}). */
  readonly className?: string;
  /** Table name; default `frago_upload`. The shipped migrations only create the default. */
  readonly tableName?: string;
  /** Your own properties, e.g. a `device` relation; add their columns with a migration of your own. */
  readonly properties?: EntityProperties<Extra>;
}

/** Options of {@link defineChunkEntity}. */
export interface ChunkEntityOptions<Upload extends FragoUploadEntity = FragoUploadEntity> {
  /** Entity name; default `FragoChunk`. */
  readonly className?: string;
  /** Table name; default `frago_chunk`. The shipped migrations only create the default. */
  readonly tableName?: string;
  /** The upload entity that chunks belong to; default {@link FragoUpload}. */
  readonly upload?: EntitySchema<Upload>;
}

// Timestamps keep milliseconds on every database (MySQL's `datetime` would drop them),
// so that a lease compares exactly as the JS `Date` it was written from.
// Every column name is pinned with `fieldName`, so a custom naming strategy in the
// user's config cannot move a column away from what the repository's SQL expects.
// A function, so that no two schemas share a property object or type instance that
// MikroORM annotates during discovery.
const uploadProperties = (): EntityProperties<FragoUploadEntity> => ({
  id: { type: 'string', length: 64, primary: true, fieldName: 'id' },
  owner: { type: 'string', length: 255, nullable: true, fieldName: 'owner' },
  filename: { type: 'text', fieldName: 'filename' },
  totalSize: { type: new BigIntType('number'), fieldName: 'total_size' },
  sizeDeferred: { type: 'boolean', default: false, fieldName: 'size_deferred' },
  status: { type: 'string', length: 16, fieldName: 'status' },
  storageKey: { type: 'string', length: 255, fieldName: 'storage_key' },
  checksumAlgorithm: { type: 'string', length: 16, fieldName: 'checksum_algorithm' },
  expectedChecksum: { type: 'string', length: 255, nullable: true, fieldName: 'expected_checksum' },
  checksum: { type: 'string', length: 255, nullable: true, fieldName: 'checksum' },
  location: { type: 'text', nullable: true, fieldName: 'location' },
  metadata: { type: 'json', fieldName: 'metadata' },
  createdAt: { type: 'datetime', length: 3, fieldName: 'created_at' },
  expiresAt: { type: 'datetime', length: 3, fieldName: 'expires_at' },
  completedAt: { type: 'datetime', length: 3, nullable: true, fieldName: 'completed_at' },
  leaseUntil: { type: 'datetime', length: 3, nullable: true, fieldName: 'lease_until' },
  hashAlgorithm: { type: 'string', length: 16, fieldName: 'hash_algorithm' },
  hashOffset: { type: new BigIntType('number'), fieldName: 'hash_offset' },
  hashState: { type: Uint8ArrayType, nullable: true, fieldName: 'hash_state' },
  direct: { type: 'boolean', nullable: true, default: false, fieldName: 'direct' },
});

/**
 * Defines the upload entity, optionally with your own properties. Register the result
 * in your MikroORM config instead of {@link FragoUpload}, with a chunk entity that
 * points at it ({@link defineChunkEntity}), pass it to {@link MikroOrmRepository} as
 * `upload`, and fill the extra properties with its `columns` option.
 *
 * @example
 * ```ts
 * const Upload = defineUploadEntity<{ device: Device | null }>({
 *   properties: { device: { kind: 'm:1', entity: () => DeviceSchema, nullable: true, fieldName: 'device_id' } },
 * });
 * ```
 */
export function defineUploadEntity<Extra extends object = Record<never, never>>(
  options: UploadEntityOptions<Extra> = {},
): EntitySchema<FragoUploadEntity & Extra> {
  const tableName = options.tableName ?? UPLOAD_TABLE;
  const properties: EntityProperties<FragoUploadEntity> = { ...uploadProperties(), ...options.properties };
  const schema = new EntitySchema<FragoUploadEntity>({
    name: options.className ?? UPLOAD_ENTITY_NAME,
    tableName,
    properties,
    indexes: [
      { name: `${tableName}_owner_created_index`, properties: ['owner', 'createdAt', 'id'] },
      { name: `${tableName}_status_expires_index`, properties: ['status', 'expiresAt'] },
    ],
  });
  // The extra properties are in the schema; only the static type has to be told.
  return schema as unknown as EntitySchema<FragoUploadEntity & Extra>;
}

/**
 * Defines the chunk entity; needed when you define your own upload entity (MikroORM 7
 * links a relation to an entity, not to a name) or rename a table.
 *
 * @example
 * ```ts
 * const Chunk = defineChunkEntity({ upload: Upload });
 * ```
 */
export function defineChunkEntity<Upload extends FragoUploadEntity = FragoUploadEntity>(
  options: ChunkEntityOptions<Upload> = {},
): EntitySchema<FragoChunkEntity> {
  const tableName = options.tableName ?? CHUNK_TABLE;
  // Any upload entity has frago's properties; the relation needs no more than those.
  const upload = (options.upload ?? FragoUpload) as EntitySchema<FragoUploadEntity>;
  const properties: EntityProperties<FragoChunkEntity> = {
    claimId: { type: 'string', length: 64, primary: true, fieldName: 'claim_id' },
    upload: {
      kind: 'm:1',
      entity: () => upload,
      fieldName: 'upload_id',
      deleteRule: 'cascade',
      updateRule: 'cascade',
    },
    startByte: { type: new BigIntType('number'), fieldName: 'start_byte' },
    endByte: { type: new BigIntType('number'), fieldName: 'end_byte' },
    size: { type: new BigIntType('number'), fieldName: 'size' },
    state: { type: 'string', length: 16, fieldName: 'state' },
    digest: { type: 'string', length: 255, nullable: true, fieldName: 'digest' },
    leaseUntil: { type: 'datetime', length: 3, nullable: true, fieldName: 'lease_until' },
    storageData: { type: 'text', nullable: true, fieldName: 'storage_data' },
    checksum: { type: 'string', length: 64, nullable: true, fieldName: 'checksum' },
  };
  return new EntitySchema<FragoChunkEntity>({
    name: options.className ?? CHUNK_ENTITY_NAME,
    tableName,
    properties,
    // The unique key is the backstop against two claims of one start; the end index
    // serves the overlap lookup when chunks arrive in order (every new start lies
    // beyond all stored ends).
    uniques: [{ name: `${tableName}_upload_start_unique`, properties: ['upload', 'startByte'] }],
    indexes: [{ name: `${tableName}_upload_end_index`, properties: ['upload', 'endByte'] }],
  });
}

/** The upload entity with frago's columns only. */
export const FragoUpload = defineUploadEntity();

/** The chunk entity. */
export const FragoChunk = defineChunkEntity();

/** Both entities, for the `entities` option of your MikroORM config. */
export const fragoEntities = [FragoUpload, FragoChunk] as const;
