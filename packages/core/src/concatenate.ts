import type { ConcatenateUploads } from './commands.js';
import { FragoError } from './errors.js';
import type { Identity } from './identity.js';
import { declaredSize, type UploadRecord } from './model.js';
import type { Storage } from './ports.js';
import type { FinalizeResult, UploadService } from './service.js';

/** `[0, size)` cut into closed ranges of at most `max` bytes. */
function pieces(size: number, max: number): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < size; start += max) ranges.push({ start, end: Math.min(start + max, size) - 1 });
  return ranges;
}

/** What joining needs beside the service: the storage to read parts from, and how to make a part readable. */
export interface JoinAccess {
  readonly storage: Storage;
  /** Hands a whole part's chunks to a storage with `seal` (S3), so that it can be read back; nothing for others. */
  readonly seal: (upload: UploadRecord) => Promise<void>;
}

/**
 * Joins whole uploads in progress into a new, completed upload (checksum, assembly and
 * `upload:completed` as for any other), then aborts the parts, deleting their bytes.
 * The bytes are read back from the storage and written into the new upload: one copy
 * through the process (on S3, each part is first joined into an object, then
 * downloaded and uploaded again).
 *
 * @throws {FragoError} `INVALID_REQUEST` for no parts or a part named twice,
 * `UPLOAD_INCOMPLETE` for a part not whole or not in progress, what
 * `UploadService.status` throws for a part (404 for another identity's), and what
 * creating, writing and finalizing throw.
 */
export async function concatenateUploads(
  service: UploadService,
  { storage, seal }: JoinAccess,
  identity: Identity,
  command: ConcatenateUploads,
): Promise<FinalizeResult> {
  const { parts } = command;
  if (parts.length === 0) throw new FragoError('INVALID_REQUEST', 'Name at least one upload to join');
  if (new Set(parts).size !== parts.length) throw new FragoError('INVALID_REQUEST', 'An upload may be joined only once');
  const states = [];
  for (const id of parts) states.push(await service.status(identity, id));
  for (const { upload, missing } of states) {
    if (upload.status !== 'in_progress' || missing.length > 0) {
      throw new FragoError('UPLOAD_INCOMPLETE', `Upload ${upload.id} is not whole and open, so it cannot be joined`, {
        details: { upload_id: upload.id },
      });
    }
  }
  const sizes = states.map(({ upload }) => declaredSize(upload));
  const totalSize = sizes.reduce((sum, size) => sum + size, 0);
  const joined = await service.create(identity, { filename: command.filename, totalSize, metadata: command.metadata });
  let result: FinalizeResult;
  try {
    let offset = 0;
    for (const [index, { upload }] of states.entries()) {
      const size = sizes[index] ?? 0;
      await seal(upload);
      for (const piece of pieces(size, service.limits.maxChunkSize)) {
        const range = { start: offset + piece.start, end: offset + piece.end, total: totalSize };
        await service.writeChunk(identity, joined.id, { range, body: storage.read(upload.storageKey, piece) });
      }
      offset += size;
    }
    result = await service.finalize(identity, joined.id, {});
  } catch (error) {
    await service.abort(identity, joined.id).catch(() => undefined);
    throw error;
  }
  for (const id of parts) await service.abort(identity, id).catch(() => undefined);
  return result;
}
