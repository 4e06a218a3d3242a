import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { findLeak } from '@frago/conformance';
import { IntervalSet, type ByteRange, type UploadRecord, type ChunkRecord } from '@frago/core';

/** The settings every system under the model runs with. */
export const MODEL_SETTINGS = { expirationMs: 10_000, maxChunkSize: 48, maxActiveUploadsPerOwner: 3, maxUploadSize: 64 } as const;

/** Who may call: two users and anonymous (`undefined`). */
const USERS = ['alice', 'bob', undefined] as const;
type User = (typeof USERS)[number];

/** A frago under test, called through its HTTP API with a clock the test moves. */
export interface System {
  call(method: string, path: string, init: { user: User; headers?: Record<string, string>; body?: Uint8Array | string }): Promise<{ status: number; body: Record<string, any> }>;
  /** Moves the server's clock. */
  advance(ms: number): void;
  sweep(): Promise<number>;
  /** The stored record and chunks of an upload, read without side effects. */
  inspect(id: string): Promise<{ upload: UploadRecord; chunks: ChunkRecord[] } | null>;
}

/** One API call of a command sequence. */
export type Command =
  | { readonly kind: 'start'; readonly user: User; readonly size: number }
  | { readonly kind: 'chunk'; readonly user: User; readonly pick: number; readonly range: 'fresh' | 'stored' | 'overlap' | 'outside' | 'wrongTotal'; readonly a: number; readonly b: number; readonly seed: number }
  | { readonly kind: 'finalize'; readonly user: User; readonly pick: number; readonly checksum: 'none' | 'right' | 'wrong' }
  | { readonly kind: 'status'; readonly user: User; readonly pick: number }
  | { readonly kind: 'abort'; readonly user: User; readonly pick: number }
  | { readonly kind: 'list'; readonly user: User }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'sweep' };

const user = fc.constantFrom(...USERS);
const pick = fc.nat(1000);

/** Command sequences of valid and invalid calls: duplicates, overlaps, other identities, expiry. */
export function commandSequences(maxLength: number): fc.Arbitrary<Command[]> {
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('start' as const), user, size: fc.nat(MODEL_SETTINGS.maxUploadSize + 4) }) },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('chunk' as const),
        user,
        pick,
        range: fc.constantFrom('fresh' as const, 'fresh' as const, 'stored' as const, 'overlap' as const, 'outside' as const, 'wrongTotal' as const),
        a: fc.nat(1000),
        b: fc.nat(1000),
        seed: fc.nat(255),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('finalize' as const), user, pick, checksum: fc.constantFrom('none' as const, 'right' as const, 'wrong' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('status' as const), user, pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), user, pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('list' as const), user }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 12_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
  );
  return fc.array(command, { minLength: 5, maxLength, size: 'max' });
}

interface ModelUpload {
  readonly id: string;
  readonly owner: string | null;
  readonly size: number;
  readonly expiresAt: number;
  readonly content: Uint8Array;
  /** The exact ranges of the chunks stored, as a duplicate must match one. */
  chunks: ByteRange[];
  /** As the database has it; `gone` once deleted (an aborted upload stays until its expiry is swept). */
  status: 'in_progress' | 'complete' | 'expired' | 'aborted' | 'gone';
}

type Expected = { status: number; error?: string };

const received = (upload: ModelUpload) => IntervalSet.from(upload.chunks);

const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

/**
 * Runs `commands` against `system` and a model of what frago must do, checking after
 * every call that the answer is the model's (status and error code), that no answer is
 * a 5xx, and that the stored state (status, received ranges, no claim left) is the
 * model's. Returns how many calls were made.
 */
export async function runAgainstModel(system: System, commands: readonly Command[], startClock: number): Promise<number> {
  const uploads: ModelUpload[] = [];
  let now = startClock;
  let calls = 0;
  const owner = (who: User) => (who === undefined ? null : `user:${who}`);
  const active = (key: string) => uploads.filter((upload) => upload.owner === key && upload.status === 'in_progress').length;
  const target = (index: number) => (uploads.length === 0 ? undefined : uploads[index % uploads.length]);
  /** Visibility and expiry, in the order the service checks them; null when the call gets past them. */
  const gate = (upload: ModelUpload | undefined, who: User, noticeExpiry = true): Expected | null => {
    if (upload === undefined || upload.status === 'gone') return { status: 404, error: 'UPLOAD_NOT_FOUND' };
    if (upload.owner !== null && upload.owner !== owner(who)) return { status: 404, error: 'UPLOAD_NOT_FOUND' };
    if (noticeExpiry && upload.status === 'in_progress' && upload.expiresAt < now) upload.status = 'expired';
    if (upload.status === 'expired') return { status: 410, error: 'UPLOAD_EXPIRED' };
    if (upload.status === 'aborted') return { status: 410, error: 'UPLOAD_ABORTED' };
    return null;
  };
  const idOf = (upload: ModelUpload | undefined) => upload?.id ?? '00000000-0000-4000-8000-000000000000';

  for (const command of commands) {
    let expected: Expected;
    let answer: { status: number; body: Record<string, any> } | undefined;
    switch (command.kind) {
      case 'start': {
        const key = owner(command.user);
        if (command.size > MODEL_SETTINGS.maxUploadSize) expected = { status: 413, error: 'UPLOAD_TOO_LARGE' };
        else if (key !== null && active(key) >= MODEL_SETTINGS.maxActiveUploadsPerOwner) expected = { status: 429, error: 'TOO_MANY_UPLOADS' };
        else expected = { status: 201 };
        answer = await system.call('POST', '/', { user: command.user, body: JSON.stringify({ filename: 'm.bin', total_size: command.size }) });
        if (answer.status === 201) {
          uploads.push({ id: answer.body.upload_id as string, owner: key, size: command.size, expiresAt: now + MODEL_SETTINGS.expirationMs, content: new Uint8Array(command.size), chunks: [], status: 'in_progress' });
        }
        break;
      }
      case 'chunk': {
        const upload = target(command.pick);
        const size = upload?.size ?? 10;
        const stored = upload?.chunks ?? [];
        let range: ByteRange = { start: command.a % Math.max(size, 1), end: 0 };
        range = { start: range.start, end: range.start + (command.b % Math.max(size - range.start, 1)) };
        const chosen = stored[command.a % Math.max(stored.length, 1)];
        if (command.range === 'stored' && chosen) range = chosen;
        if (command.range === 'overlap' && chosen) range = { start: chosen.start, end: Math.min(chosen.end + 1 + (command.b % 4), size - 1) };
        if (command.range === 'outside') range = { start: range.start, end: size + (command.b % 3) };
        const total = command.range === 'wrongTotal' ? size + 1 : size;
        const length = range.end - range.start + 1;
        const bytes = Uint8Array.from({ length: Math.max(length, 0) }, (_, i) => (command.seed + range.start + i) & 255);
        const parsedOk = range.start <= range.end && range.end < total;
        expected = parsedOk ? (gate(upload, command.user) ?? { status: 0 }) : { status: 400, error: 'INVALID_RANGE' };
        if (expected.status === 0 && upload) {
          if (upload.status === 'complete') expected = { status: 409, error: 'UPLOAD_COMPLETED' };
          else if (total !== upload.size) expected = { status: 400, error: 'INVALID_RANGE' };
          else if (length > MODEL_SETTINGS.maxChunkSize) expected = { status: 413, error: 'CHUNK_TOO_LARGE' };
          else if (upload.chunks.some((r) => r.start === range.start && r.end === range.end)) expected = { status: 200 };
          else if (upload.chunks.some((r) => r.start <= range.end && r.end >= range.start)) expected = { status: 409, error: 'RANGE_CONFLICT' };
          else {
            expected = { status: 200 };
            upload.content.set(bytes, range.start);
            upload.chunks.push(range);
          }
        }
        answer = await system.call('PUT', `/${idOf(upload)}/`, {
          user: command.user,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `bytes ${range.start}-${range.end}/${total}` },
          body: bytes,
        });
        break;
      }
      case 'finalize': {
        const upload = target(command.pick);
        const checksum = command.checksum === 'none' ? undefined : command.checksum === 'wrong' ? '0'.repeat(32) : md5(upload?.content ?? new Uint8Array());
        const visible = upload !== undefined && upload.status !== 'gone' && (upload.owner === null || upload.owner === owner(command.user));
        expected = visible && upload.status === 'complete' ? { status: 200 } : (gate(upload, command.user) ?? { status: 0 });
        if (expected.status === 0 && upload) {
          const missing = received(upload).missing(upload.size);
          if (missing.length > 0) expected = { status: 409, error: 'UPLOAD_INCOMPLETE' };
          else if (command.checksum === 'wrong') expected = { status: 422, error: 'CHECKSUM_MISMATCH' };
          else {
            expected = { status: 201 };
            upload.status = 'complete';
          }
        }
        answer = await system.call('POST', `/${idOf(upload)}/`, { user: command.user, body: JSON.stringify(checksum === undefined ? {} : { checksum }) });
        if (answer.status === 201 || answer.status === 200) {
          if (answer.body.checksum !== md5(upload?.content ?? new Uint8Array())) throw new Error(`completed with checksum ${answer.body.checksum}, model has ${md5(upload?.content ?? new Uint8Array())}`);
        }
        break;
      }
      case 'status': {
        const upload = target(command.pick);
        expected = gate(upload, command.user) ?? { status: 200 };
        answer = await system.call('GET', `/${idOf(upload)}/`, { user: command.user });
        if (answer.status === 200 && upload) {
          const missing = upload.status === 'complete' ? [] : received(upload).missing(upload.size);
          const same = JSON.stringify([answer.body.status, answer.body.received, answer.body.missing]) === JSON.stringify([upload.status, received(upload).ranges.map(({ start, end }) => ({ start, end })), missing.map(({ start, end }) => ({ start, end }))]);
          if (!same) throw new Error(`status view ${JSON.stringify(answer.body)} differs from the model`);
        }
        break;
      }
      case 'abort': {
        const upload = target(command.pick);
        expected = gate(upload, command.user) ?? (upload?.status === 'complete' ? { status: 409, error: 'UPLOAD_COMPLETED' } : { status: 200 });
        if (expected.status === 200 && upload) {
          upload.status = 'aborted';
          upload.chunks = [];
        }
        answer = await system.call('DELETE', `/${idOf(upload)}/`, { user: command.user });
        break;
      }
      case 'list': {
        expected = { status: 200 };
        answer = await system.call('GET', '/?limit=200', { user: command.user });
        const key = owner(command.user);
        const want = uploads.filter((upload) => key !== null && upload.owner === key && upload.status !== 'gone').map((upload) => upload.id).sort();
        const got = ((answer.body.uploads ?? []) as Array<{ upload_id: string }>).map((upload) => upload.upload_id).sort();
        if (JSON.stringify(want) !== JSON.stringify(got)) throw new Error(`list ${JSON.stringify(got)} differs from the model ${JSON.stringify(want)}`);
        break;
      }
      case 'advance':
        now += command.ms;
        system.advance(command.ms);
        continue;
      case 'sweep': {
        const due = uploads.filter(
          (upload) => upload.status === 'expired' || ((upload.status === 'in_progress' || upload.status === 'aborted') && upload.expiresAt < now),
        );
        for (const upload of due) upload.status = 'gone';
        const removed = await system.sweep();
        calls += 1;
        if (removed !== due.length) throw new Error(`sweep removed ${removed}, the model expected ${due.length}`);
        await checkStored(system, uploads);
        continue;
      }
    }
    calls += 1;
    const leak = findLeak(JSON.stringify(answer.body));
    if (leak !== null) throw new Error(`${JSON.stringify(command)} answered with ${leak}: ${JSON.stringify(answer.body)}`);
    if (answer.status >= 500) throw new Error(`${JSON.stringify(command)} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (answer.status !== expected.status || (expected.error !== undefined && answer.body.error !== expected.error)) {
      throw new Error(`${JSON.stringify(command)} answered ${answer.status} ${JSON.stringify(answer.body)}, the model expected ${JSON.stringify(expected)}`);
    }
    await checkStored(system, uploads);
  }
  return calls;
}

/** The stored state of every upload is the model's: status, received ranges, and no claim left pending. */
async function checkStored(system: System, uploads: readonly ModelUpload[]): Promise<void> {
  for (const upload of uploads) {
    const stored = await system.inspect(upload.id);
    if (upload.status === 'gone') {
      if (stored !== null) throw new Error(`upload ${upload.id} should be deleted, is ${stored.upload.status}`);
      continue;
    }
    if (stored === null) throw new Error(`upload ${upload.id} is missing, the model has it ${upload.status}`);
    const got = IntervalSet.from(stored.chunks.filter((chunk) => chunk.state === 'stored')).ranges.map(({ start, end }) => [start, end]);
    const pending = stored.chunks.filter((chunk) => chunk.state === 'pending').length;
    const want = received(upload).ranges.map(({ start, end }) => [start, end]);
    if (stored.upload.status !== upload.status || JSON.stringify(got) !== JSON.stringify(want) || pending > 0) {
      throw new Error(`upload ${upload.id} is ${stored.upload.status} with ${JSON.stringify(got)} (${pending} pending), the model has ${upload.status} with ${JSON.stringify(want)}`);
    }
  }
}
