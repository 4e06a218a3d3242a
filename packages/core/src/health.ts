import type { Storage, UploadRepository } from './ports.js';

/** How one dependency answered a readiness check. */
export type CheckResult = 'ok' | 'failed' | 'timeout' | 'unchecked';

/** Whether frago can serve: its repository and storage answered. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: { readonly repository: CheckResult; readonly storage: CheckResult };
  /** The failures, by dependency, for logs; never meant for a client. */
  readonly errors: { readonly repository?: unknown; readonly storage?: unknown };
}

async function check(ping: (() => Promise<void>) | undefined, timeoutMs: number): Promise<{ result: CheckResult; error?: unknown }> {
  if (ping === undefined) return { result: 'unchecked' };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([ping().then(() => 'ok' as const), timeout]);
    return { result: outcome };
  } catch (error) {
    return { result: 'failed', error };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pings the repository and the storage at once (a port without `ping` counts as
 * ready: `unchecked`); each has `timeoutMs` to answer.
 */
export async function checkReadiness(repository: UploadRepository, storage: Storage, timeoutMs = 2000): Promise<Readiness> {
  const [db, bytes] = await Promise.all([
    check(repository.ping?.bind(repository), timeoutMs),
    check(storage.ping?.bind(storage), timeoutMs),
  ]);
  const passed = (result: CheckResult) => result === 'ok' || result === 'unchecked';
  return {
    ready: passed(db.result) && passed(bytes.result),
    checks: { repository: db.result, storage: bytes.result },
    errors: {
      ...(db.error === undefined ? {} : { repository: db.error }),
      ...(bytes.error === undefined ? {} : { storage: bytes.error }),
    },
  };
}

/** What a readiness endpoint answers: a status and a JSON body that names no internals. */
export interface ProbeAnswer {
  readonly status: 200 | 503;
  readonly body:
    | { readonly status: 'ready' | 'not_ready'; readonly checks: Readiness['checks'] }
    | { readonly status: 'draining' };
}

/**
 * The answer of a `/readyz` endpoint: `503 {"status":"draining"}` while the server is
 * draining (it should get no new traffic, though it still serves what comes), else
 * `200 {"status":"ready", checks}` or `503 {"status":"not_ready", checks}` from
 * `readiness()`. Failures are passed to `onFailure` (for logs), never answered.
 */
export async function readinessAnswer(
  readiness: () => Promise<Readiness>,
  draining: boolean,
  onFailure: (errors: Readiness['errors']) => void = () => undefined,
): Promise<ProbeAnswer> {
  if (draining) return { status: 503, body: { status: 'draining' } };
  const { ready, checks, errors } = await readiness();
  if (!ready) onFailure(errors);
  return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready', checks } };
}
