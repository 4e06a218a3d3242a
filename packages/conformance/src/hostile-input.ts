import { describe, expect } from 'vitest';
import type { HttpSuiteContext } from './http-context.js';
import { describeHostileChunks } from './hostile-chunks.js';
import { describeHostileDraft } from './hostile-draft.js';
import { describeHostileRequests } from './hostile-requests.js';
import { describeHostileTransferCodings } from './hostile-transfer-codings.js';

/** What a refused request must leave as it was: what the API shows, and the stored state. */
export interface Observation {
  readonly views: unknown[];
  readonly lists: unknown[];
  readonly events: number;
  readonly stored: unknown;
}

/** Helpers of the hostile input catalogue. */
export interface HostileContext extends HttpSuiteContext {
  /** The status views of `ids` and the lists of `users` (anonymous first), the event count and the stored state. */
  observe(ids: readonly string[], users?: readonly string[]): Promise<Observation>;
  /** Runs `attempt` for each case and checks its status and error code, and that nothing changed. */
  refuseEach<T>(
    cases: readonly T[],
    watch: { ids: readonly string[]; users?: readonly string[] },
    attempt: (item: T) => Promise<{ status: number; body: Record<string, unknown> } | 'reset'>,
    expected: (item: T) => { status: number; error: string | readonly string[] },
  ): Promise<number>;
}

/**
 * The hostile input catalogue: every malformed or abusive request a client can send,
 * each with the status it must get and a check that it changed nothing (status views,
 * lists, events, and the stored state when the target exposes it). Part of the HTTP
 * conformance suite, so every adapter runs it. Counts the refused inputs it tried.
 */
export function describeHostileInput(context: HttpSuiteContext): { readonly tried: () => number } {
  let tried = 0;
  const observe: HostileContext['observe'] = async (ids, users = []) => ({
    views: await Promise.all(ids.map(async (id) => (await context.call('GET', `/${id}/`)).body)),
    lists: await Promise.all(['', ...users].map(async (user) => (await context.call('GET', '/?limit=200', { user: user || undefined })).body)),
    events: context.events.length,
    stored: await context.target().snapshot?.(),
  });

  const refuseEach: HostileContext['refuseEach'] = async (cases, watch, attempt, expected) => {
    const before = await observe(watch.ids, watch.users);
    for (const item of cases) {
      tried += 1;
      const outcome = await attempt(item);
      const label = typeof item === 'string' ? JSON.stringify(item).slice(0, 200) : JSON.stringify(item)?.slice(0, 200);
      expect(outcome, label).not.toBe('reset');
      if (outcome === 'reset') continue;
      const want = expected(item);
      expect(outcome.status, `${label}: ${JSON.stringify(outcome.body)}`).toBe(want.status);
      expect(outcome.body.status, label).toBe(false);
      expect(typeof want.error === 'string' ? [want.error] : want.error, label).toContain(outcome.body.error);
    }
    expect(await observe(watch.ids, watch.users)).toEqual(before);
    return cases.length;
  };

  const hostile: HostileContext = { ...context, observe, refuseEach };
  describe('hostile input catalogue', () => {
    describeHostileChunks(hostile);
    describeHostileRequests(hostile);
    describeHostileTransferCodings(hostile);
    describeHostileDraft(hostile);
  });
  return { tried: () => tried };
}
