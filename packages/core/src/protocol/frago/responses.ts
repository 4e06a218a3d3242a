import { isFragoError, SERVER_FAILURES, type FragoErrorCode, type FragoErrorDetails } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';

/** A JSON response of the frago protocol, never cached. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FragoResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body };
}

/** The wire name of each error detail the service names in its own words. */
const WIRE_DETAILS: Readonly<Record<string, string>> = {
  maxUploadSize: 'max_upload_size',
  maxChunkSize: 'max_chunk_size',
  algorithm: 'checksum_algo',
  partCount: 'part_count',
};

function wireDetails(details: FragoErrorDetails | undefined): FragoErrorDetails {
  if (details === undefined) return {};
  return Object.fromEntries(Object.entries(details).map(([name, value]) => [WIRE_DETAILS[name] ?? name, value]));
}

/** The response for any error: a typed code and a message meant for the caller, never a stack. */
export function errorResponse(error: unknown): FragoResponse {
  const known = isFragoError(error) && error.code !== 'INTERNAL_ERROR';
  const code: FragoErrorCode = known ? error.code : 'INTERNAL_ERROR';
  const message = known ? error.message : 'Something went wrong on the server';
  const status = known ? error.statusCode : 500;
  const response = json(status, { status: false, error: code, message, ...(known ? wireDetails(error.details) : {}) });
  return SERVER_FAILURES.has(code) ? { ...response, error } : response;
}
