import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, errorResponse, FragoError, type FragoErrorCode } from '@frago/core';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('lists every code in docs/errors.md with its status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });

  it('gives every code a status in the HTTP error range', () => {
    for (const code of Object.keys(ERROR_STATUS) as FragoErrorCode[]) {
      const error = new FragoError(code, 'x');
      expect(error.statusCode).toBeGreaterThanOrEqual(400);
      expect(error.statusCode).toBeLessThan(600);
    }
  });

  it('turns an unknown failure into a 500 that reveals nothing', () => {
    const response = errorResponse(new Error('SELECT * FROM secret at /srv/app/x.js:1'));
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ status: false, error: 'INTERNAL_ERROR', message: 'Something went wrong on the server' });
  });

  it('keeps the cause of a wrapped failure for logs but not in the response', () => {
    const cause = new Error('ECONNREFUSED 10.0.0.1:5432');
    const error = new FragoError('REPOSITORY_FAILED', 'The upload records are not available right now', { cause });
    expect(error.cause).toBe(cause);
    expect(JSON.stringify(errorResponse(error).body)).not.toContain('ECONNREFUSED');
  });
});
