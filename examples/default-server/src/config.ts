import { resolve } from 'node:path';

/** The default server's settings, from the environment. */
export interface ServerConfig {
  readonly port: number;
  readonly host: string;
  /** Holds `frago.sqlite` and the `incoming/` and `assembled/` folders. */
  readonly dataDir: string;
  /** How often expired uploads are swept, in milliseconds. */
  readonly sweepIntervalMs: number;
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return parsed;
}

/** Reads `PORT` (3000), `HOST` (127.0.0.1), `FRAGO_DATA_DIR` (./data) and `FRAGO_SWEEP_INTERVAL_MS` (60000). */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer(env.PORT, 3000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.FRAGO_DATA_DIR || 'data'),
    sweepIntervalMs: integer(env.FRAGO_SWEEP_INTERVAL_MS, 60_000, 'FRAGO_SWEEP_INTERVAL_MS'),
  };
}
