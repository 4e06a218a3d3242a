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
