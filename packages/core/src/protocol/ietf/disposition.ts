// The filename a `Content-Disposition` header (RFC 6266) names. It only ever becomes
// the upload's filename metadata, checked by `validateFilename`: the stored name is
// derived by the server.

const EXTENDED = /(?:^|;)\s*filename\*\s*=\s*([^;]*)/i;
const PLAIN = /(?:^|;)\s*filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/i;

/** `filename*=charset'lang'percent-encoded` (RFC 8187), UTF-8 only; undefined when unreadable. */
function extendedValue(value: string): string | undefined {
  const match = /^utf-8'[^']*'(.+)$/i.exec(value.trim());
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

function plainValue(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('"') ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1') : trimmed;
}

/**
 * The filename `header` names: `filename*` when it is readable UTF-8, `filename`
 * otherwise; undefined when it names none.
 */
export function dispositionFilename(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const extended = EXTENDED.exec(header)?.[1];
  const decoded = extended === undefined ? undefined : extendedValue(extended);
  if (decoded !== undefined) return decoded;
  const plain = PLAIN.exec(header)?.[1];
  return plain === undefined ? undefined : plainValue(plain);
}
