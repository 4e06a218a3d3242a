// Padded base64 (RFC 4648 §4) only: atob alone also takes unpadded and space-filled text.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of padded base64 text; undefined for anything else. */
export function base64Bytes(value: string): Uint8Array | undefined {
  if (!BASE64.test(value)) return undefined;
  return Uint8Array.from(atob(value), (character) => character.charCodeAt(0));
}

/** `bytes` as padded base64. */
export function toBase64(bytes: Uint8Array): string {
  return btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(''));
}

// base64url (RFC 4648 §5), its padding optional: what `Buffer#toString('base64url')` and
// a browser's `btoa` with the alphabet swapped both write.
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/** The bytes of base64url text, padded or not; undefined for anything else (`+`, `/`, spaces, a lone last character). */
export function base64UrlBytes(value: string): Uint8Array | undefined {
  if (!BASE64URL.test(value)) return undefined;
  const text = atob(value.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}
