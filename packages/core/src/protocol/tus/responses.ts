import { isFragoError, SERVER_FAILURES, type FragoErrorCode } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { wireDetails } from '../error-details.js';
import { TUS_VERSION } from './wire.js';

/** Where tus answers with another status than frago's table (`460 Checksum Mismatch`). */
const TUS_STATUS: Partial<Record<FragoErrorCode, number>> = { DIGEST_MISMATCH: 460 };

/** A tus response without a body: `Tus-Resumable` and `headers`. */
export function tusResponse(status: number, headers: Record<string, string | undefined> = {}): FragoResponse {
  const present = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { status, headers: { 'tus-resumable': TUS_VERSION, ...Object.fromEntries(present) }, body: undefined };
}

/**
 * The tus response for any error: its status (tus's where it has its own), a typed
 * code, a message and the error's details in a small JSON body, never a stack;
 * `Tus-Version` on a 412.
 */
export function tusErrorResponse(error: unknown): FragoResponse {
  const known = isFragoError(error) && error.code !== 'INTERNAL_ERROR';
  const code: FragoErrorCode = known ? error.code : 'INTERNAL_ERROR';
  const message = known ? error.message : 'Something went wrong on the server';
  const status = known ? (TUS_STATUS[code] ?? error.statusCode) : 500;
  const version: Record<string, string> = code === 'UNSUPPORTED_VERSION' ? { 'tus-version': TUS_VERSION } : {};
  const response: FragoResponse = {
    status,
    headers: { 'tus-resumable': TUS_VERSION, ...version, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: { status: false, error: code, message, ...(known ? wireDetails(error.details) : {}) },
  };
  return SERVER_FAILURES.has(code) ? { ...response, error } : response;
}
