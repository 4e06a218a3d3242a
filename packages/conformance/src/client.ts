import { createHash } from 'node:crypto';

/** What a server answered, with its JSON body. */
export interface JsonReply<Body = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

/**
 * Calls `url` and reads its JSON answer; `body` is sent as JSON unless it is bytes.
 *
 * @throws {SyntaxError} when the answer is not JSON (every frago answer is).
 */
export async function callJson<Body = Record<string, unknown>>(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply<Body>> {
  const bytes = init.body instanceof Uint8Array;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined && !bytes ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : bytes ? (init.body as Uint8Array) : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as Body };
}

/** Options of {@link uploadFile}. */
export interface UploadFileOptions {
  /** Sent with every call, e.g. credentials. */
  readonly headers?: Record<string, string>;
  /** Default 64 KiB. */
  readonly chunkSize?: number;
  readonly filename?: string;
}

/**
 * Uploads `bytes` through the frago API at `api` (e.g. `http://host/upload`) as a
 * client would: start, every chunk in order, finalize with the md5. Returns the
 * finalize answer and the upload's id.
 *
 * @throws {Error} with the server's answer when starting or sending a chunk fails.
 */
export async function uploadFile(api: string, bytes: Uint8Array, options: UploadFileOptions = {}): Promise<JsonReply & { id: string }> {
  const headers = options.headers ?? {};
  const started = await callJson(`${api}/`, { method: 'POST', headers, body: { filename: options.filename ?? 'file.bin', total_size: bytes.length } });
  if (started.status !== 201) throw new Error(`start answered ${started.status}: ${JSON.stringify(started.body)}`);
  const id = String(started.body.upload_id);
  const size = options.chunkSize ?? 64 * 1024;
  for (let start = 0; start < bytes.length; start += size) {
    const end = Math.min(start + size, bytes.length) - 1;
    const sent = await callJson(`${api}/${id}/`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream', 'content-range': `bytes ${start}-${end}/${bytes.length}` },
      body: bytes.subarray(start, end + 1),
    });
    if (sent.status !== 200) throw new Error(`chunk ${start}-${end} answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  }
  const checksum = createHash('md5').update(bytes).digest('hex');
  return { id, ...(await callJson(`${api}/${id}/`, { method: 'POST', headers, body: { checksum } })) };
}
