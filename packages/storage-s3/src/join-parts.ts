import { CompleteMultipartUploadCommand, UploadPartCommand, UploadPartCopyCommand, type CompletedPart } from '@aws-sdk/client-s3';
import type { ByteRange, StoredChunk } from '@frago/core';
import { FragoError } from '@frago/core';
import type { Bucket } from './bucket.js';
import { partCount, partRange } from './layout.js';
import type { Manifest } from './manifest.js';
import { mapLimit } from './map-limit.js';
import { RequestBody } from './request-body.js';
import { decodeChunkLocation, type StagedPiece } from './storage-data.js';

/**
 * Completes the multipart upload of a sealed upload from its stored chunks. A part some
 * chunk filled by itself is used as it is; any other part is built from the staged
 * pieces that cover it: copied inside the store (UploadPartCopy) when one staged piece
 * covers the whole part, else downloaded piece by piece and uploaded again.
 *
 * @throws {FragoError} `STORAGE_FAILED` when the chunks do not cover the upload exactly.
 */
export async function joinParts(bucket: Bucket, manifest: Manifest & { uploadId: string }, chunks: readonly StoredChunk[], concurrency: number): Promise<void> {
  assertCoverage(chunks, manifest.totalSize);
  const direct = new Map<number, string>();
  const staged: StagedPiece[] = [];
  for (const chunk of chunks) {
    const location = decodeChunkLocation(chunk.storageData);
    for (const { part, etag } of location.parts) direct.set(part, etag);
    staged.push(...location.staged);
  }
  staged.sort((a, b) => a.start - b.start);
  const ranges = manifest.layout ?? Array.from({ length: partCount(manifest.totalSize, manifest.partSize) }, (_, index) => partRange(index + 1, manifest.partSize, manifest.totalSize));
  const numbers = ranges.map((_, index) => index + 1);
  const parts = await mapLimit(numbers, concurrency, async (part): Promise<CompletedPart> => {
    const etag = direct.get(part);
    if (etag !== undefined) return { PartNumber: part, ETag: etag };
    const range = ranges[part - 1] ?? partRange(part, manifest.partSize, manifest.totalSize);
    return { PartNumber: part, ETag: await buildPart(bucket, manifest, part, range, piecesOf(staged, range)) };
  });
  await bucket.client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket.name,
      Key: manifest.objectKey,
      UploadId: manifest.uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

async function buildPart(bucket: Bucket, manifest: Manifest & { uploadId: string }, part: number, range: ByteRange, pieces: StagedPiece[]): Promise<string | undefined> {
  const target = { Bucket: bucket.name, Key: manifest.objectKey, UploadId: manifest.uploadId, PartNumber: part };
  const [only] = pieces;
  if (pieces.length === 1 && only !== undefined) {
    const response = await bucket.client.send(
      new UploadPartCopyCommand({
        ...target,
        CopySource: bucket.copySource(only.key),
        CopySourceRange: `bytes=${range.start - only.start}-${range.end - only.start}`,
      }),
    );
    return response.CopyPartResult?.ETag;
  }
  const request = new RequestBody();
  const body = request.stream(concatenate(bucket, pieces, range));
  try {
    const response = await bucket.client.send(new UploadPartCommand({ ...target, Body: body, ContentLength: range.end - range.start + 1 }), {
      abortSignal: request.signal,
    });
    return response.ETag;
  } catch (error) {
    throw request.reason(error);
  }
}

async function* concatenate(bucket: Bucket, pieces: readonly StagedPiece[], range: ByteRange): AsyncIterable<Uint8Array> {
  for (const piece of pieces) {
    const from = Math.max(range.start, piece.start) - piece.start;
    const to = Math.min(range.end, piece.end) - piece.start;
    yield* bucket.read(piece.key, { start: from, end: to });
  }
}

/** The staged pieces that hold bytes of `range`, checked to cover it without a gap. */
function piecesOf(staged: readonly StagedPiece[], range: ByteRange): StagedPiece[] {
  const pieces = staged.filter((piece) => piece.start <= range.end && piece.end >= range.start);
  let next = range.start;
  for (const piece of pieces) {
    if (piece.start > next) break;
    next = Math.max(next, piece.end + 1);
  }
  if (next <= range.end) throw new FragoError('STORAGE_FAILED', 'The stored chunks do not cover a part of the upload');
  return pieces;
}

function assertCoverage(chunks: readonly StoredChunk[], totalSize: number): void {
  let next = 0;
  for (const chunk of [...chunks].sort((a, b) => a.start - b.start)) {
    if (chunk.start !== next) throw new FragoError('STORAGE_FAILED', 'The stored chunks do not cover the upload exactly');
    next = chunk.end + 1;
  }
  if (next !== totalSize) throw new FragoError('STORAGE_FAILED', 'The stored chunks do not cover the upload exactly');
}
