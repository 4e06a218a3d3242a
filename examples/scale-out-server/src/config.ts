/** Where the bytes go: an S3 bucket, or one folder every process mounts. */
export type StorageConfig =
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly endpoint: string | undefined;
      readonly region: string;
      readonly accessKeyId: string | undefined;
      readonly secretAccessKey: string | undefined;
      readonly forcePathStyle: boolean;
      readonly prefix: string;
      readonly partSize: number | undefined;
    }
  | { readonly kind: 'disk'; readonly directory: string };

/** The server's settings, from the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL connection URL, shared by every process. */
  readonly databaseUrl: string;
  /** Run frago's migrations at start. Turn it off where a release step migrates once. */
  readonly migrate: boolean;
  readonly storage: StorageConfig;
  readonly claimLeaseMs: number | undefined;
  readonly assemblyLeaseMs: number | undefined;
  readonly bodyIdleTimeoutMs: number | undefined;
  /** How long an upload may take before it expires; frago's `expirationMs`. */
  readonly expirationMs: number | undefined;
  readonly sweepIntervalMs: number;
  /** Node's `server.requestTimeout`: the longest one chunk's request may take. */
  readonly requestTimeoutMs: number;
  /** pino's level (`info` by default). */
  readonly logLevel: string;
  /** How long `/readyz` answers `draining` after SIGTERM, while requests are still served, before the process stops taking them. */
  readonly drainDelayMs: number;
}

function integer(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/**
 * Reads `PORT` (3000), `HOST` (127.0.0.1), `FRAGO_DATABASE_URL`, `FRAGO_MIGRATE` (1),
 * `FRAGO_STORAGE` (`s3` or `disk`) with `FRAGO_S3_BUCKET`, `FRAGO_S3_ENDPOINT`,
 * `FRAGO_S3_REGION`, `FRAGO_S3_ACCESS_KEY_ID`, `FRAGO_S3_SECRET_ACCESS_KEY`,
 * `FRAGO_S3_PATH_STYLE`, `FRAGO_S3_PREFIX`, `FRAGO_S3_PART_SIZE` or `FRAGO_DATA_DIR`,
 * and `FRAGO_CLAIM_LEASE_MS`, `FRAGO_ASSEMBLY_LEASE_MS`, `FRAGO_BODY_IDLE_TIMEOUT_MS`,
 * `FRAGO_EXPIRATION_MS` (frago's defaults when unset), `FRAGO_SWEEP_INTERVAL_MS`
 * (60000), `FRAGO_REQUEST_TIMEOUT_MS` (600000), `FRAGO_LOG_LEVEL` (info),
 * `FRAGO_DRAIN_DELAY_MS` (0).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const kind = env.FRAGO_STORAGE ?? 's3';
  let storage: StorageConfig;
  if (kind === 's3') {
    storage = {
      kind,
      bucket: required(env, 'FRAGO_S3_BUCKET'),
      endpoint: env.FRAGO_S3_ENDPOINT || undefined,
      region: env.FRAGO_S3_REGION || 'us-east-1',
      accessKeyId: env.FRAGO_S3_ACCESS_KEY_ID || undefined,
      secretAccessKey: env.FRAGO_S3_SECRET_ACCESS_KEY || undefined,
      forcePathStyle: env.FRAGO_S3_PATH_STYLE === '1',
      prefix: env.FRAGO_S3_PREFIX ?? '',
      partSize: integer(env, 'FRAGO_S3_PART_SIZE'),
    };
  } else if (kind === 'disk') {
    storage = { kind, directory: required(env, 'FRAGO_DATA_DIR') };
  } else {
    throw new Error(`FRAGO_STORAGE must be s3 or disk, got "${kind}"`);
  }
  return {
    port: integer(env, 'PORT') ?? 3000,
    host: env.HOST || '127.0.0.1',
    databaseUrl: required(env, 'FRAGO_DATABASE_URL'),
    migrate: env.FRAGO_MIGRATE !== '0',
    storage,
    claimLeaseMs: integer(env, 'FRAGO_CLAIM_LEASE_MS'),
    assemblyLeaseMs: integer(env, 'FRAGO_ASSEMBLY_LEASE_MS'),
    bodyIdleTimeoutMs: integer(env, 'FRAGO_BODY_IDLE_TIMEOUT_MS'),
    expirationMs: integer(env, 'FRAGO_EXPIRATION_MS'),
    sweepIntervalMs: integer(env, 'FRAGO_SWEEP_INTERVAL_MS') ?? 60_000,
    requestTimeoutMs: integer(env, 'FRAGO_REQUEST_TIMEOUT_MS') ?? 600_000,
    logLevel: env.FRAGO_LOG_LEVEL || 'info',
    drainDelayMs: integer(env, 'FRAGO_DRAIN_DELAY_MS') ?? 0,
  };
}
