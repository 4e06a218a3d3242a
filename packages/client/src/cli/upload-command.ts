import {
  FragoClient,
  checksumAlgorithm,
  fingerprint,
  isFragoClientError,
  type ChecksumAlgorithm,
  type ClientErrorCode,
  type UploadResult,
  type UploadSource,
} from '../index.js';
import { FileStore, defaultStateFile, fileSource } from '../node/index.js';
import { SERVER_HELP, SERVER_OPTIONS, UsageError, count, parse, serverOptions, size } from './args.js';
import { createDisplay, type Display } from './display.js';
import { formatBytes, formatSpeed } from './format.js';

/** `frago upload --help`. */
export const UPLOAD_HELP = `Usage: frago upload FILE... --url URL [options]

Uploads files in parallel chunks, retrying failed requests, and verifies each with a
checksum. An interrupted upload (Ctrl-C, lost connection, crash) resumes when the same
command runs again: unfinished uploads are remembered in a state file.

Options:
  -c, --chunk-size SIZE  bytes per chunk, e.g. 8MiB (default: what the server proposes;
                         for a direct upload, the store's part size)
  -p, --parallel N       chunks in flight at once (default 4)
      --checksum ALGO    md5, sha1, sha256, sha384, sha512, xxhash64, blake3, crc32c,
                         crc64nvme, or none (default: the server's, md5 unless it
                         says otherwise)
      --no-direct        send every chunk through the server, even when it offers
                         direct uploads (parts sent straight to its S3 bucket)
      --part-checksums   in a direct upload, bind each part's URL to the part's
                         MD5, so the bucket refuses bytes that changed on the way
                         (costs one MD5 over the file; with --checksum none the
                         server then reads nothing back)
      --state FILE       where unfinished uploads are remembered
                         (default: $FRAGO_STATE_FILE or ~/.local/state/frago/uploads.json)
      --fresh            start each file over: abort its remembered unfinished upload
                         and start a new one (remembered too: run the command again
                         without --fresh to resume it)
  -q, --quiet            no progress, only results
${SERVER_HELP}

Exit status: 0 when every file is uploaded, 1 when one failed, 2 for a usage error,
130 when interrupted.`;

const OPTIONS = {
  ...SERVER_OPTIONS,
  'chunk-size': { type: 'string', short: 'c' },
  parallel: { type: 'string', short: 'p' },
  checksum: { type: 'string' },
  state: { type: 'string' },
  fresh: { type: 'boolean' },
  'no-direct': { type: 'boolean' },
  'part-checksums': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function checksumOption(text: string | undefined): ChecksumAlgorithm | false | undefined {
  if (text === undefined) return undefined;
  if (text === 'none') return false;
  try {
    return checksumAlgorithm(text);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function resultLine(result: UploadResult, json: boolean, label: string): string {
  if (json) return JSON.stringify({ file: label, status: 'complete', ...result });
  const seconds = result.elapsedMs / 1000;
  const speed = seconds > 0 ? formatSpeed(result.sentBytes / seconds) : formatSpeed(0);
  const resumed = result.resumed ? `, resumed with ${formatBytes(result.resumedBytes)} already on the server` : '';
  const check = result.verified ? 'verified' : 'computed by the server';
  // Three short lines, each a fact of its own (the display wraps any still too long).
  return [
    `${label}: complete, upload ${result.uploadId}`,
    `  ${formatBytes(result.sentBytes)} sent in ${seconds.toFixed(1)} s (${speed})${resumed}`,
    `  ${result.checksumAlgorithm} ${result.checksum} ${check}`,
  ].join('\n');
}

/** Failures after which the upload stays remembered: the same upload goes on once the server answers again. */
const RESUMABLE: ReadonlySet<ClientErrorCode> = new Set(['NETWORK', 'TIMEOUT', 'SERVER_ERROR']);

function failureLine(label: string, error: unknown, json: boolean, uploadId: string | null, hint?: string): string {
  const code = isFragoClientError(error) ? error.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  const serverCode = isFragoClientError(error) ? error.serverCode : undefined;
  if (json) return JSON.stringify({ file: label, status: 'failed', uploadId, code, serverCode, message, hint });
  return `${label}: failed (${serverCode ?? code}): ${message}${uploadId ? ` [upload ${uploadId}]` : ''}${hint ? `; ${hint}` : ''}`;
}

/** How long `--fresh` waits for the server to abort a remembered upload before leaving it to expire. */
const ABORT_WAIT_MS = 5000;

/**
 * `--fresh`: forgets the file's remembered upload and aborts it on the server, since
 * nothing could resume it once a new upload takes its place in the state file.
 */
async function startOver(client: FragoClient, source: UploadSource, label: string, display: Display, json: boolean, signal: AbortSignal): Promise<void> {
  const key = fingerprint(client.endpoint, source);
  const stored = await client.store.get(key);
  if (stored === undefined) return;
  const aborted = await client.abort(stored.uploadId, { signal: AbortSignal.any([signal, AbortSignal.timeout(ABORT_WAIT_MS)]) }).then(
    () => true,
    // Gone already, or the server is unreachable: either way it expires there.
    () => false,
  );
  await client.store.delete(key);
  if (json) return;
  display.print(
    aborted
      ? `${label}: aborted the remembered upload ${stored.uploadId}; starting over`
      : `${label}: starting over; the remembered upload ${stored.uploadId} is left to expire on the server`,
  );
}

/**
 * What goes on after an interrupted run: the same command, without `--fresh` once a
 * new upload started (it would start over again) and without the files this run
 * uploaded already (they would be uploaded again).
 */
function resumeHint(started: boolean, fresh: boolean, uploaded: readonly string[]): string {
  const goal = started ? 'resume' : 'upload it';
  const leave = [...(fresh && started ? ['--fresh'] : []), ...uploaded.map((label) => `${label} (uploaded)`)];
  return leave.length === 0 ? `run the same command again to ${goal}` : `run the same command without ${leave.join(' and ')} to ${goal}`;
}

interface SendOptions {
  readonly signal: AbortSignal;
  readonly fresh: boolean;
  /** Labels of the files this run uploaded before this one. */
  readonly uploaded: readonly string[];
}

async function sendOne(client: FragoClient, source: UploadSource, label: string, display: Display, json: boolean, options: SendOptions) {
  if (options.fresh) await startOver(client, source, label, display, json, options.signal);
  // Even after --fresh the new upload is remembered, so that an interrupted run resumes.
  const upload = client.upload(source, { signal: options.signal, resume: true });
  display.track(label, upload);
  upload.on('session', (session) => {
    if (json) return;
    display.print(
      session.resumed
        ? `${label}: resuming upload ${session.uploadId} (${formatBytes(session.receivedBytes)} of ${formatBytes(source.size)} already on the server)`
        : `${label}: started upload ${session.uploadId}`,
    );
  });
  try {
    display.print(resultLine(await upload.done, json, label));
    return 0;
  } catch (error) {
    if (options.signal.aborted && isFragoClientError(error, 'CANCELLED')) {
      const { confirmedBytes, totalBytes } = upload.progress;
      const percent = totalBytes === 0 ? 0 : Math.floor((100 * confirmedBytes) / totalBytes);
      const hint = resumeHint(upload.uploadId !== null, options.fresh, options.uploaded);
      const where = upload.uploadId === null ? 'before the upload started' : `at ${percent}% (upload ${upload.uploadId})`;
      display.print(
        json
          ? JSON.stringify({ file: label, status: 'interrupted', uploadId: upload.uploadId, confirmedBytes, totalBytes, hint })
          : `${label}: interrupted ${where}; ${hint}`,
        json ? 'stdout' : 'stderr',
      );
      return 130;
    }
    const resumable = upload.uploadId !== null && isFragoClientError(error) && RESUMABLE.has(error.code);
    const hint = resumable ? resumeHint(true, options.fresh, options.uploaded) : undefined;
    display.print(failureLine(label, error, json, upload.uploadId, hint), json ? 'stdout' : 'stderr');
    return 1;
  }
}

/** `frago upload FILE...`: returns the exit status. */
export async function uploadCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, OPTIONS);
  if (values.help) {
    process.stdout.write(`${UPLOAD_HELP}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('name at least one FILE to upload');
  const client = new FragoClient({
    ...serverOptions(values),
    chunkSize: size(values['chunk-size'], '--chunk-size'),
    parallel: count(values.parallel, '--parallel'),
    checksum: checksumOption(values.checksum),
    direct: !values['no-direct'],
    partChecksums: values['part-checksums'] ?? false,
    store: new FileStore(values.state ?? defaultStateFile()),
  });
  const json = values.json ?? false;
  const sources: UploadSource[] = [];
  for (const path of positionals) {
    try {
      sources.push(await fileSource(path));
    } catch (error) {
      // The file's message says why: no such file, permission denied, is a directory.
      process.stderr.write(`frago: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  }

  const interrupt = new AbortController();
  const display = createDisplay({ quiet: values.quiet ?? false, json });
  const onSigint = () => {
    if (interrupt.signal.aborted) {
      // A second Ctrl-C leaves at once, but not with the cursor hidden and line wrapping off.
      display.stop();
      process.exit(130);
    }
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  let status = 0;
  const uploaded: string[] = [];
  try {
    for (const [index, source] of sources.entries()) {
      if (interrupt.signal.aborted) break;
      const label = positionals[index] ?? source.name;
      const outcome = await sendOne(client, source, label, display, json, { signal: interrupt.signal, fresh: values.fresh ?? false, uploaded });
      status = Math.max(status, outcome);
      if (outcome === 0) uploaded.push(label);
      if (outcome === 130) break;
    }
  } finally {
    display.stop();
    process.off('SIGINT', onSigint);
  }
  return status;
}
