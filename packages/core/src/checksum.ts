import * as hashWasm from 'hash-wasm';
import type { IHasher } from 'hash-wasm';
import { CrcCombiner, type CrcModel } from './crc.js';

/** A whole-file checksum algorithm frago can verify. */
export type ChecksumAlgorithm =
  | 'md5'
  | 'sha1'
  | 'sha256'
  | 'sha384'
  | 'sha512'
  | 'xxhash64'
  | 'blake3'
  | 'crc32c'
  | 'crc64nvme';

/** How a hashing thread makes a hasher: a hash-wasm factory by name, and the one argument it takes, if any. */
export interface HashWasmFactory {
  readonly factory: keyof typeof hashWasm;
  readonly argument?: number | string;
}

// The CRCs S3 computes as full-object checksums of multipart uploads.
const CRC_MODELS = {
  crc32c: { width: 32, reflectedPolynomial: '82f63b78' },
  crc64nvme: { width: 64, reflectedPolynomial: '9a6c9329ac4bc9b5' },
} as const satisfies Partial<Record<ChecksumAlgorithm, CrcModel>>;

/**
 * The hash-wasm factory of each algorithm, by name, so that a hashing thread (which
 * loads hash-wasm by itself) makes exactly the hashers this module makes.
 */
export const HASH_WASM_FACTORIES: Readonly<Record<ChecksumAlgorithm, HashWasmFactory>> = {
  md5: { factory: 'createMD5' },
  sha1: { factory: 'createSHA1' },
  sha256: { factory: 'createSHA256' },
  sha384: { factory: 'createSHA384' },
  sha512: { factory: 'createSHA512' },
  xxhash64: { factory: 'createXXHash64' },
  blake3: { factory: 'createBLAKE3' },
  crc32c: { factory: 'createCRC32', argument: Number.parseInt(CRC_MODELS.crc32c.reflectedPolynomial, 16) },
  // hash-wasm takes CRC-64's reflected polynomial as 16 hex digits.
  crc64nvme: { factory: 'createCRC64', argument: CRC_MODELS.crc64nvme.reflectedPolynomial },
};

const FACTORIES: Record<ChecksumAlgorithm, () => Promise<IHasher>> = Object.fromEntries(
  Object.entries(HASH_WASM_FACTORIES).map(([algorithm, { factory, argument }]) => [
    algorithm,
    () => (hashWasm[factory] as (argument?: number | string) => Promise<IHasher>)(argument),
  ]),
) as Record<ChecksumAlgorithm, () => Promise<IHasher>>;

const combiners = new Map<ChecksumAlgorithm, CrcCombiner>();

/**
 * The combiner of a combinable algorithm (a CRC: the value of a file follows from its
 * chunks' values and lengths), or undefined for any other. Chunks of an upload with a
 * combinable algorithm are each checksummed as they arrive, and finalize combines them
 * instead of reading bytes back.
 */
export function combinerOf(algorithm: ChecksumAlgorithm): CrcCombiner | undefined {
  if (!Object.hasOwn(CRC_MODELS, algorithm)) return undefined;
  let combiner = combiners.get(algorithm);
  if (combiner === undefined) {
    combiner = new CrcCombiner(CRC_MODELS[algorithm as keyof typeof CRC_MODELS]);
    combiners.set(algorithm, combiner);
  }
  return combiner;
}

/** True when the whole-file value of `algorithm` is combined from its chunks' values (see {@link combinerOf}). */
export function isCombinable(algorithm: ChecksumAlgorithm): boolean {
  return Object.hasOwn(CRC_MODELS, algorithm);
}

/** Every algorithm frago knows, in the order the docs list them. */
export const CHECKSUM_ALGORITHMS = Object.keys(FACTORIES) as ChecksumAlgorithm[];

/** True when `name` is an algorithm frago knows. */
export function isChecksumAlgorithm(name: string): name is ChecksumAlgorithm {
  return Object.hasOwn(FACTORIES, name);
}

/**
 * The algorithm a name stands for, matched case-insensitively and with or without a
 * dash (`SHA-256`); undefined for a name frago does not know.
 */
export function checksumAlgorithmNamed(name: string): ChecksumAlgorithm | undefined {
  const normalized = name.toLowerCase().replace(/-/g, '');
  return isChecksumAlgorithm(normalized) ? normalized : undefined;
}

const HEX = /^[0-9a-f]{1,256}$/;

/**
 * A hex digest in its recorded form (lowercase), or undefined when `value` is not one:
 * hex digits only, at most 256 of them.
 */
export function hexDigest(value: string): string | undefined {
  const normalized = value.toLowerCase();
  return HEX.test(normalized) ? normalized : undefined;
}

/** True when two hex digests are equal, ignoring case and surrounding space. */
export function digestsEqual(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

// Instantiating a WebAssembly hasher costs far more than hashing a small chunk, so
// finished hashers are kept for reuse.
const POOL_SIZE = 16;
const pool = new Map<ChecksumAlgorithm, IHasher[]>();

/**
 * An incremental hasher whose state can be saved and restored, so that the
 * whole-file checksum can advance chunk by chunk, across requests and processes.
 */
export class ResumableHasher {
  private hasher: IHasher | undefined;

  private constructor(
    readonly algorithm: ChecksumAlgorithm,
    hasher: IHasher,
  ) {
    this.hasher = hasher;
  }

  /** A hasher for `algorithm`, fresh or resumed from a saved state. */
  static async create(algorithm: ChecksumAlgorithm, state?: Uint8Array | null): Promise<ResumableHasher> {
    const hasher = pool.get(algorithm)?.pop() ?? (await FACTORIES[algorithm]());
    hasher.init();
    if (state) hasher.load(state);
    return new ResumableHasher(algorithm, hasher);
  }

  update(bytes: Uint8Array): void {
    this.live().update(bytes);
  }

  /** The hasher's state, to resume later with {@link ResumableHasher.create}. */
  save(): Uint8Array {
    return this.live().save();
  }

  /** The lowercase hex digest of everything hashed. The hasher cannot be used afterwards. */
  digest(): string {
    const hex = this.live().digest('hex');
    this.close();
    return hex;
  }

  /** Gives the hasher back for reuse. It cannot be used afterwards. */
  close(): void {
    const hasher = this.hasher;
    this.hasher = undefined;
    if (hasher === undefined) return;
    const free = pool.get(this.algorithm) ?? [];
    if (free.length < POOL_SIZE) free.push(hasher);
    pool.set(this.algorithm, free);
  }

  private live(): IHasher {
    if (this.hasher === undefined) throw new Error('This hasher is closed');
    return this.hasher;
  }
}
