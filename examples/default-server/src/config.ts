import { resolve } from 'node:path';

/** The default server's settings, from the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Holds `frago.sqlite` and the `incoming/` and `assembled/` folders. */
  readonly dataDir: string;
  /** How often expired uploads are swept, in milliseconds. */
  readonly sweepIntervalMs: number;
  /** How long in-flight requests may take to finish after SIGTERM before they are abandoned. */
  readonly shutdownGraceMs: number;
  /** frago's `claimLeaseMs`; the library default when unset. */
  readonly claimLeaseMs?: number | undefined;
  /** frago's `assemblyLeaseMs`; the library default when unset. */
  readonly assemblyLeaseMs?: number | undefined;
  /** frago's `bodyIdleTimeoutMs`; the library default when unset. */
  readonly bodyIdleTimeoutMs?: number | undefined;
  /** Origins allowed to call the API from a browser (`*` for any); CORS is off when unset. */
  readonly corsOrigins?: '*' | readonly string[] | undefined;
  /** pino's level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (pino refuses any other). */
  readonly logLevel: string;
  /** How long `/readyz` answers `draining` after SIGTERM, while requests are still served, before the server closes. */
  readonly drainDelayMs: number;
}


function integer(value: string | undefined, fallback: number, name: string): number;
function integer(value: string | undefined, fallback: undefined, name: string): number | undefined;
function integer(value: string | undefined, fallback: number | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

function origins(value: string | undefined): ServerConfig['corsOrigins'] {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
}

/**
 * Reads the settings from the environment:
 * - `PORT` (3000), `HOST` (127.0.0.1), `FRAGO_DATA_DIR` (./data);
 * - `FRAGO_SWEEP_INTERVAL_MS` (60000): how often expired uploads are deleted;
 * - `FRAGO_SHUTDOWN_GRACE_MS` (10000): how long SIGTERM waits for in-flight requests;
 * - `FRAGO_CLAIM_LEASE_MS`, `FRAGO_ASSEMBLY_LEASE_MS`, `FRAGO_BODY_IDLE_TIMEOUT_MS`:
 *   frago's `claimLeaseMs`, `assemblyLeaseMs` and `bodyIdleTimeoutMs` (library defaults);
 * - `FRAGO_CORS_ORIGINS`: comma-separated origins allowed to call the API from a
 *   browser, or `*`; CORS is off when unset;
 * - `FRAGO_LOG_LEVEL` (info): pino's level for the JSON lines on stdout;
 * - `FRAGO_DRAIN_DELAY_MS` (0): how long `/readyz` says `draining` after SIGTERM
 *   before the server stops taking requests.
 *
 * @throws {Error} for a number that is not a whole number of zero or more.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer(env.PORT, 3000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.FRAGO_DATA_DIR || 'data'),
    sweepIntervalMs: integer(env.FRAGO_SWEEP_INTERVAL_MS, 60_000, 'FRAGO_SWEEP_INTERVAL_MS'),
    shutdownGraceMs: integer(env.FRAGO_SHUTDOWN_GRACE_MS, 10_000, 'FRAGO_SHUTDOWN_GRACE_MS'),
    claimLeaseMs: integer(env.FRAGO_CLAIM_LEASE_MS, undefined, 'FRAGO_CLAIM_LEASE_MS'),
    assemblyLeaseMs: integer(env.FRAGO_ASSEMBLY_LEASE_MS, undefined, 'FRAGO_ASSEMBLY_LEASE_MS'),
    bodyIdleTimeoutMs: integer(env.FRAGO_BODY_IDLE_TIMEOUT_MS, undefined, 'FRAGO_BODY_IDLE_TIMEOUT_MS'),
    corsOrigins: origins(env.FRAGO_CORS_ORIGINS),
    logLevel: env.FRAGO_LOG_LEVEL || 'info',
    drainDelayMs: integer(env.FRAGO_DRAIN_DELAY_MS, 0, 'FRAGO_DRAIN_DELAY_MS'),
  };
}
