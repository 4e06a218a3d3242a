import mitt from 'mitt';
import { describe, expect, it } from 'vitest';
import { FragoClientError, plainCause, type Upload, type UploadEvents } from '@frago/client';
import { progressLine, type LineFields } from '../src/cli/progress-line.js';
import { shortReason } from '../src/cli/reason.js';
import { RetryWatch } from '../src/cli/retry-watch.js';
import { wrap } from '../src/cli/wrap.js';

const uploading: LineFields = {
  label: 'holiday.mp4',
  fraction: 0.17,
  sizes: '4.08 MiB of 24.00 MiB',
  speed: '3.20 MiB/s',
  left: '6 s',
  state: 'uploading',
};
const essentials = / 17% \| 3\.20 MiB\/s \| 6 s left \| uploading$/;

/** The error Node's fetch throws when nothing listens on the port. */
function refused(): TypeError {
  const system = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', syscall: 'connect' });
  return new TypeError('fetch failed', { cause: system });
}

describe('a progress line', () => {
  it('shows everything, sizes and a 30-column bar included, on a wide terminal', () => {
    const line = progressLine(uploading, 120);
    expect(line).toBe(`holiday.mp4 [${'\u2588'.repeat(5)}${'\u2591'.repeat(25)}]  17% | 4.08 MiB of 24.00 MiB | 3.20 MiB/s | 6 s left | uploading`);
    expect(line.length).toBeLessThan(120);
  });

  it('keeps percent, speed, time left and state at 80 columns by dropping the sizes and narrowing the bar', () => {
    const line = progressLine(uploading, 80);
    expect(line).toMatch(essentials);
    expect(line).toMatch(/^holiday\.mp4 \[[\u2588\u2591]{10,30}\]/);
    expect(line).not.toContain('of 24.00 MiB');
    expect(line.length).toBeLessThan(80);
  });

  it('drops the bar, then shortens the label from its start, for a long state or a narrow terminal', () => {
    const retrying = { ...uploading, label: 'videos/2026/holiday.mp4', state: 'retrying in 2 s: connection refused' };
    expect(progressLine(retrying, 100)).toBe('videos/2026/holiday.mp4  17% | 3.20 MiB/s | 6 s left | retrying in 2 s: connection refused');
    expect(progressLine(retrying, 80)).toBe('\u2026holiday.mp4  17% | 3.20 MiB/s | 6 s left | retrying in 2 s: connection refused');
    const narrow = progressLine(retrying, 76);
    expect(narrow).toBe('\u2026day.mp4  17% | 3.20 MiB/s | 6 s left | retrying in 2 s: connection refused');
    expect(narrow.length).toBe(75);
    // Fewer than 8 characters of a label tell nothing: none at all then.
    expect(progressLine(retrying, 72)).toBe(' 17% | 3.20 MiB/s | 6 s left | retrying in 2 s: connection refused');
  });

  it('is cut only when percent, speed, time left and state alone do not fit', () => {
    expect(progressLine(uploading, 41)).toBe(' 17% | 3.20 MiB/s | 6 s left | uploading');
    expect(progressLine(uploading, 20)).toBe(' 17% | 3.20 MiB/s |');
  });
});

describe('a wrapped message', () => {
  it('breaks at spaces short of the last column and indents what follows', () => {
    const text = 'holiday.mp4: interrupted at 17% (upload 27a27384-d027-415b-be54-7652fa1176e0); run the same command again to resume';
    const lines = wrap(text, 80).split('\n');
    expect(lines).toEqual([
      'holiday.mp4: interrupted at 17% (upload 27a27384-d027-415b-be54-7652fa1176e0);',
      '  run the same command again to resume',
    ]);
    expect(wrap('short', 80)).toBe('short');
  });

  it('cuts a word longer than a line into pieces rather than losing its end', () => {
    const lines = wrap(`see ${'x'.repeat(30)}`, 21).split('\n');
    expect(lines.every((line) => line.length <= 20)).toBe(true);
    expect(lines.join('').replace(/ /g, '')).toBe(`see${'x'.repeat(30)}`);
  });
});

describe('the cause of a failure in plain words', () => {
  it('names network, DNS and certificate failures under "fetch failed"', () => {
    expect(plainCause(refused())).toBe('connection refused');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' });
    expect(plainCause(new TypeError('fetch failed', { cause: reset }))).toBe('connection reset');
    const timedOut = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'connect' });
    expect(plainCause(new TypeError('fetch failed', { cause: new AggregateError([timedOut]) }))).toBe('connection timed out');
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND files.example'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' });
    expect(plainCause(new TypeError('fetch failed', { cause: dns }))).toBe('host not found');
    const expired = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(plainCause(new TypeError('fetch failed', { cause: expired }))).toBe('certificate expired');
    const odd = Object.assign(new Error('unable to verify the first certificate'), { code: 'ERR_TLS_SOMETHING_NEW' });
    expect(plainCause(new TypeError('fetch failed', { cause: odd }))).toBe('certificate rejected (ERR_TLS_SOMETHING_NEW)');
  });

  it('names file failures, and falls back to the deepest message', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open 'a.bin'"), { code: 'EACCES', syscall: 'open' });
    expect(plainCause(denied)).toBe('permission denied');
    const other = Object.assign(new Error('EXDEV: cross-device link'), { code: 'EXDEV', syscall: 'rename' });
    expect(plainCause(other)).toBe('EXDEV: cross-device link (EXDEV)');
    expect(plainCause(new TypeError('fetch failed', { cause: new Error('bad port') }))).toBe('bad port');
  });

  it('is short for a retry: the network cause, the HTTP status, or a timeout', () => {
    expect(shortReason(new FragoClientError('NETWORK', 'The request to 127.0.0.1:9 failed: connection refused', { cause: refused() }))).toBe(
      'connection refused',
    );
    expect(shortReason(new FragoClientError('SERVER_ERROR', 'Storage failed', { status: 503, serverCode: 'STORAGE_FAILED' }))).toBe(
      'server error (HTTP 503 STORAGE_FAILED)',
    );
    expect(shortReason(new FragoClientError('REFUSED', 'Too many requests', { status: 429 }))).toBe('server busy (HTTP 429)');
    expect(shortReason(new FragoClientError('TIMEOUT', 'No answer within 120000 ms'))).toBe('no answer in time');
  });
});

describe('the retry state', () => {
  /** An upload's events, sent by the test, and a clock it moves. */
  function watched() {
    const events = mitt<UploadEvents>();
    const upload: Pick<Upload, 'on'> = {
      on: (type, handler) => {
        events.on(type, handler);
        return () => events.off(type, handler);
      },
    };
    const clock = { now: 0 };
    return { events, clock, watch: new RetryWatch(upload, () => clock.now) };
  }
  const network = () => new FragoClientError('NETWORK', 'The request to 127.0.0.1:9 failed: connection refused', { cause: refused() });

  it('counts down to the next try, then says a try is under way, until the start succeeds', () => {
    const { events, clock, watch } = watched();
    expect(watch.state('starting')).toBe('starting');
    events.emit('retry', { attempt: 1, delayMs: 1500, error: network(), range: null });
    expect(watch.state('starting')).toBe('retrying in 2 s: connection refused');
    clock.now = 600;
    expect(watch.state('starting')).toBe('retrying in 1 s: connection refused');
    clock.now = 1600;
    expect(watch.state('starting')).toBe('retrying: connection refused');
    events.emit('session', { uploadId: 'u', resumed: false, receivedBytes: 0, chunkSize: 1, checksumAlgorithm: null, direct: false, partChecksums: false });
    expect(watch.state('starting')).toBe('starting');
  });

  it('lasts mid-upload until every chunk that was retried is done, and never shows on a final phase', () => {
    const { events, watch } = watched();
    const failed = new FragoClientError('SERVER_ERROR', 'Storage failed', { status: 503 });
    events.emit('retry', { attempt: 1, delayMs: 3000, error: failed, range: { start: 0, end: 9 } });
    events.emit('retry', { attempt: 1, delayMs: 3000, error: failed, range: { start: 10, end: 19 } });
    events.emit('chunk', { start: 20, end: 29, state: 'done', attempts: 1 });
    events.emit('chunk', { start: 0, end: 9, state: 'done', attempts: 2 });
    expect(watch.state('uploading')).toBe('retrying in 3 s: server error (HTTP 503)');
    expect(watch.state('failed')).toBe('failed');
    events.emit('chunk', { start: 10, end: 19, state: 'done', attempts: 2 });
    expect(watch.state('uploading')).toBe('uploading');
  });
});
