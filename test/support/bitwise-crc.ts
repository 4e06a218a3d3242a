/**
 * A CRC computed the slow, obvious way, one bit at a time, straight from its definition
 * (reflected, initial value and final xor all ones): an oracle independent of the code
 * under test and of hash-wasm.
 */
export function bitwiseCrc(bytes: Uint8Array, width: 32 | 64, reflectedPolynomial: bigint): string {
  const ones = (1n << BigInt(width)) - 1n;
  let crc = ones;
  for (const byte of bytes) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit += 1) crc = (crc & 1n) === 1n ? (crc >> 1n) ^ reflectedPolynomial : crc >> 1n;
  }
  return (crc ^ ones).toString(16).padStart(width / 4, '0');
}

/** CRC-32C (Castagnoli) of `bytes`, bit by bit. */
export const bitwiseCrc32c = (bytes: Uint8Array) => bitwiseCrc(bytes, 32, 0x82f63b78n);

/** CRC-64/NVME of `bytes`, bit by bit. */
export const bitwiseCrc64nvme = (bytes: Uint8Array) => bitwiseCrc(bytes, 64, 0x9a6c9329ac4bc9b5n);
