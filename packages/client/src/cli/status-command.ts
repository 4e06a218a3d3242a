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
  const total = status.total_size;
  const percent = total === null ? '' : ` (${(total === 0 ? 100 : (100 * status.received_bytes) / total).toFixed(1)}%)`;
  const missing = status.missing.map((range) => `${range.start}-${range.end}`).join(', ') || 'none';
  return [
    `upload    ${status.upload_id}`,
    `file      ${status.filename}`,
    `status    ${status.status}`,
    `received  ${formatBytes(status.received_bytes)} of ${total === null ? 'a size not declared yet' : formatBytes(total)}${percent}`,
    `missing   ${missing}`,
    `checksum  ${status.checksum_algo} ${status.checksum ?? '(not yet)'}`,
    `expires   ${status.expires_at}`,
  ].join('\n');
}

/** `frago status ID`. */
export const statusCommand = idCommand(STATUS_HELP, (client, uploadId, options) => client.status(uploadId, options), describe);
