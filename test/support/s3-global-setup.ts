import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { ROOT } from './server-process.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts/s3.sh');

/**
 * Finds or starts the S3-compatible test server (scripts/s3.sh) once for the whole run,
 * and stops it afterwards when it started it. `FRAGO_TEST_S3_ENDPOINT` points the
 * tests at another server instead. When there is no server, the S3 tests fail with the
 * reason; the other tests still run.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.FRAGO_TEST_S3_ENDPOINT;
  if (given) {
    project.provide('fragoS3', { endpoint: given });
    return undefined;
  }
  const running = await run('bash', [SCRIPT, 'status']).then(
    ({ stdout }) => stdout.trim(),
    () => null,
  );
  if (running) {
    project.provide('fragoS3', { endpoint: running });
    return undefined;
  }
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start'], { timeout: 300_000 });
    project.provide('fragoS3', { endpoint: stdout.trim().split('\n').pop() ?? '' });
  } catch (error) {
    const { stderr = '', message } = error as { stderr?: string; message: string };
    project.provide('fragoS3', { error: `No S3 test server: bash scripts/s3.sh start failed: ${stderr.trim() || message}` });
    return undefined;
  }
  return async () => {
    await run('bash', [SCRIPT, 'stop']);
  };
}
