import { FragoError } from './errors.js';

/**
 * Refuses a request whose `Transfer-Encoding` lists a coding besides `chunked`
 * (`gzip, chunked`): the runtime removes the chunked framing only, so the body would
 * reach the storage still compressed. RFC 9112 §6.1 asks a server for 501 when it
 * does not apply a transfer coding.
 *
 * @throws {FragoError} `UNSUPPORTED_TRANSFER_CODING`.
 */
export function assertTransferCoding(header: string | undefined): void {
  if (header === undefined) return;
  for (const coding of header.split(',')) {
    const name = coding.split(';')[0]?.trim().toLowerCase();
    if (name !== 'chunked' && name !== '') {
      throw new FragoError('UNSUPPORTED_TRANSFER_CODING', 'Only the chunked transfer coding is supported; send the body without another one');
    }
  }
}
