import type { FragoErrorDetails } from '../errors.js';

/** The wire name of each error detail the service names in its own words. */
const WIRE_DETAILS: Readonly<Record<string, string>> = {
  maxUploadSize: 'max_upload_size',
  maxChunkSize: 'max_chunk_size',
  algorithm: 'checksum_algo',
  partCount: 'part_count',
};

/** An error's details under the names every protocol's error body uses (`max_upload_size` ...). */
export function wireDetails(details: FragoErrorDetails | undefined): FragoErrorDetails {
  if (details === undefined) return {};
  return Object.fromEntries(Object.entries(details).map(([name, value]) => [WIRE_DETAILS[name] ?? name, value]));
}
