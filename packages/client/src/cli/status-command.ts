import type { StatusAnswer } from '../index.js';
import { SERVER_HELP } from './args.js';
import { formatBytes } from './format.js';
import { idCommand } from './id-command.js';

/** `frago status --help`. */
export const STATUS_HELP = `Usage: frago status ID --url URL [options]

Shows what the server holds of an upload: its state, the bytes received and the
ranges still missing.

Options:
${SERVER_HELP}`;

function describe(status: StatusAnswer): string {
  const percent = status.total_size === 0 ? 100 : (100 * status.received_bytes) / status.total_size;
  const missing = status.missing.map((range) => `${range.start}-${range.end}`).join(', ') || 'none';
  return [
    `upload    ${status.upload_id}`,
    `file      ${status.filename}`,
    `status    ${status.status}`,
    `received  ${formatBytes(status.received_bytes)} of ${formatBytes(status.total_size)} (${percent.toFixed(1)}%)`,
    `missing   ${missing}`,
    `checksum  ${status.checksum_algo} ${status.checksum ?? '(not yet)'}`,
    `expires   ${status.expires_at}`,
  ].join('\n');
}

/** `frago status ID`. */
export const statusCommand = idCommand(STATUS_HELP, (client, uploadId, options) => client.status(uploadId, options), describe);
