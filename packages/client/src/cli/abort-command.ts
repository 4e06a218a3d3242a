import { SERVER_HELP } from './args.js';
import { idCommand } from './id-command.js';

/** `frago abort --help`. */
export const ABORT_HELP = `Usage: frago abort ID --url URL [options]

Aborts an unfinished upload: the server deletes its bytes. A completed upload cannot
be aborted.

Options:
${SERVER_HELP}`;

/** `frago abort ID`. */
export const abortCommand = idCommand(
  ABORT_HELP,
  (client, uploadId, options) => client.abort(uploadId, options),
  (answer) => `aborted upload ${answer.upload_id}`,
);
