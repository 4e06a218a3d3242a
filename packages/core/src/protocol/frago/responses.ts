import { isFragoError, SERVER_FAILURES, type FragoErrorCode } from '../../errors.js';
import type { FragoResponse } from '../../protocol.js';
import { wireDetails } from '../error-details.js';

/** A JSON response of the frago protocol, never cached. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): FragoResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, body };
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
