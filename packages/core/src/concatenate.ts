import { isCombinable, type ChecksumAlgorithm } from './checksum.js';
import type { ConcatenateUploads } from './commands.js';
import { formatChunkDigest } from './digest.js';
import type { Hashers } from './hashers.js';
import { JoinChecksum } from './join-checksum.js';
import { FragoError } from './errors.js';
import type { Identity } from './identity.js';
import { declaredSize, type HashProgress, type UploadRecord } from './model.js';
import type { ByteRange } from './intervals.js';
import type { JoinedPart, Storage, WrittenChunk } from './ports.js';
import type { FinalizeResult, UploadService } from './service.js';

/** `[0, size)` cut into closed ranges of at most `max` bytes. */
function pieces(size: number, max: number): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < size; start += max) ranges.push({ start, end: Math.min(start + max, size) - 1 });
  return ranges;
}

/** Where each part goes in the joined upload; parts of no bytes are left out. */
function placeParts(keys: readonly string[], sizes: readonly number[]): JoinedPart[] {
  let offset = 0;
  return keys.flatMap((key, index) => {
    const size = sizes[index] ?? 0;
    const part = { key, offset, size };
    offset += size;
    return size > 0 ? [part] : [];
  });
}

/** What joining needs beside the service: the storage to read parts from, and how to make a part readable. */
export interface JoinAccess {
  readonly storage: Storage;
  /** Hands a whole part's chunks to a storage with `seal` (S3), so that it can be read back; nothing for others. */
  readonly seal: (upload: UploadRecord) => Promise<void>;
  /**
   * Records `range` of an upload as a stored chunk with what the storage returned for it
   * (after `Storage.join`), and the chunk's own value (`algorithm:hex`) when known.
   */
  readonly record: (uploadId: string, range: ByteRange, written: WrittenChunk, checksum: string | null) => Promise<void>;
  /** Where whole-file checksums are computed; null when the server verifies none. */
  readonly hashers: Hashers | null;
  /** A held part's whole-file value of a combinable `algorithm`, combined from its chunks' values (see `combinedChecksum`). */
  readonly combined: (upload: UploadRecord, algorithm: ChecksumAlgorithm) => Promise<string>;
  /** Saves the joined upload's checksum progress, from offset 0. */
  readonly saveHash: (uploadId: string, progress: HashProgress) => Promise<void>;
  /** Takes a whole part out of `in_progress` for the join (compare-and-set); false when another request moved it first. */
  readonly hold: (upload: UploadRecord) => Promise<boolean>;
  /** Gives a held part back to `in_progress`. */
  readonly release: (upload: UploadRecord) => Promise<void>;
  /**
   * Aborts a held part once the join has it (`assembling` to `aborted`, compare-and-set):
   * `upload:aborted`, its chunks' records and its bytes deleted.
   */
  readonly retire: (upload: UploadRecord) => Promise<void>;
}

/**
 * Holds every part for the join, so no other join or finalize can take one meanwhile:
 * a disk join makes the first part's file the joined upload's, and two joins sharing it
 * would write into each other's file.
 *
 * @throws {FragoError} `UPLOAD_BUSY` when a part is held by another request; the parts
 * held so far are released.
 */
async function holdParts(access: JoinAccess, parts: readonly UploadRecord[]): Promise<void> {
  const held: UploadRecord[] = [];
  for (const part of parts) {
    if (await access.hold(part)) {
      held.push(part);
      continue;
    }
    await releaseParts(access, held);
    throw new FragoError('UPLOAD_BUSY', `Upload ${part.id} is being joined or finalized by another request`, { details: { upload_id: part.id } });
  }
}

async function releaseParts(access: JoinAccess, parts: readonly UploadRecord[]): Promise<void> {
  for (const part of parts) await access.release(part).catch(() => undefined);
}

/** `Storage.join` with the joined upload's checksum computed on the way (see {@link JoinChecksum}). */
async function joinHashed(
  access: JoinAccess,
  join: NonNullable<Storage['join']>,
  joined: UploadRecord,
  first: UploadRecord,
  placed: readonly JoinedPart[],
): Promise<WrittenChunk[]> {
  if (access.hashers === null) return join(joined.storageKey, placed);
  const checksum = await JoinChecksum.start(access.hashers, access.storage, joined.hash.algorithm, first);
  try {
    const written = await join(joined.storageKey, placed, checksum.copied);
    await access.saveHash(joined.id, await checksum.progress());
    return written;
  } finally {
    checksum.close();
  }
}

/**
 * The value of a combinable `algorithm` of each part with bytes, as the joined upload's
 * chunk that holds it records it (`algorithm:hex`): finalize then combines them and
 * reads no byte. Null for any other algorithm, which {@link joinHashed} computes instead.
 * Taken before `Storage.join`, which may move the parts' bytes (disk: the first part's
 * file becomes the joined upload's).
 */
async function partValues(access: JoinAccess, parts: readonly UploadRecord[], algorithm: ChecksumAlgorithm): Promise<string[] | null> {
  if (access.hashers === null || !isCombinable(algorithm)) return null;
  const values: string[] = [];
  for (const part of parts) {
    if (declaredSize(part) > 0) values.push(formatChunkDigest({ algorithm, hex: await access.combined(part, algorithm) }));
  }
  return values;
}

/**
 * Joins whole uploads in progress into a new, completed upload (checksum, assembly and
 * `upload:completed` as for any other), then aborts the parts, deleting their bytes.
 * The parts are held (`assembling`) while they are joined, and go from there to
 * `aborted`.
 * A storage with `join` puts the parts' bytes in place itself (disk: the first part's
 * file becomes the new upload's; S3: server-side copies when the upload is sealed),
 * and with a combinable checksum each part's value becomes its chunk's, so finalize
 * reads nothing back;
 * with any other, the bytes are read back and written into the new upload, once,
 * through the process.
 *
 * @throws {FragoError} `INVALID_REQUEST` for no parts or a part named twice,
 * `UPLOAD_INCOMPLETE` for a part not whole or not in progress, `UPLOAD_BUSY` for a
 * part another request holds (joining or finalizing it), what
 * `UploadService.status` throws for a part (404 for another identity's), and what
 * creating, writing and finalizing throw.
 */
export async function concatenateUploads(
  service: UploadService,
  access: JoinAccess,
  identity: Identity,
  command: ConcatenateUploads,
): Promise<FinalizeResult> {
  const { storage, seal } = access;
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
  const uploads = states.map(({ upload }) => upload);
  await holdParts(access, uploads);
  let joined: UploadRecord | undefined;
  let result: FinalizeResult;
  try {
    joined = await service.create(identity, { filename: command.filename, totalSize, metadata: command.metadata });
    const placed = placeParts(states.map(({ upload }) => upload.storageKey), sizes);
    for (const { upload } of states) await seal(upload);
    const first = states[0]?.upload;
    if (storage.join !== undefined && first !== undefined) {
      const join = storage.join.bind(storage);
      const values = await partValues(access, uploads, joined.hash.algorithm);
      const written = values === null ? await joinHashed(access, join, joined, first, placed) : await join(joined.storageKey, placed);
      for (const [index, part] of placed.entries()) {
        const chunk = written[index];
        if (chunk === undefined) throw new FragoError('STORAGE_FAILED', 'The storage did not join every part');
        await access.record(joined.id, { start: part.offset, end: part.offset + part.size - 1 }, chunk, values?.[index] ?? null);
      }
    } else {
      for (const part of placed) {
        for (const piece of pieces(part.size, service.limits.maxChunkSize)) {
          const range = { start: part.offset + piece.start, end: part.offset + piece.end, total: totalSize };
          await service.writeChunk(identity, joined.id, { range, body: storage.read(part.key, piece) });
        }
      }
    }
    result = await service.finalize(identity, joined.id, {});
  } catch (error) {
    if (joined !== undefined) await service.abort(identity, joined.id).catch(() => undefined);
    await releaseParts(access, uploads);
    throw error;
  }
  // Each part goes from held to aborted in one move, so no request reaches it in between,
  // and its bytes are deleted once, by that abort. The joined upload is complete
  // whatever happens here.
  for (const part of uploads) await access.retire(part).catch(() => undefined);
  return result;
}
