#!/usr/bin/env node
import { isFragoClientError } from '../index.js';
import { abortCommand } from './abort-command.js';
import { UsageError } from './args.js';
import { statusCommand } from './status-command.js';
import { uploadCommand } from './upload-command.js';
import { packageVersion } from './version.js';

const HELP = `Usage: frago COMMAND [options]

Resumable, parallel, verified uploads to a frago server.

Commands:
  upload FILE...  upload files (resumes interrupted ones)
  status ID       show what the server holds of an upload
  abort ID        abort an unfinished upload
  version         print frago's version (also --version, -V)

Run 'frago COMMAND --help' for a command's options.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  upload: uploadCommand,
  status: statusCommand,
  abort: abortCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`frago ${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  return command(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const command = process.argv[2] && process.argv[2] in COMMANDS ? ` ${process.argv[2]}` : '';
      process.stderr.write(`frago: ${error.message}\nRun 'frago${command} --help' for usage.\n`);
      process.exitCode = 2;
    } else {
      const code = isFragoClientError(error) ? ` (${error.serverCode ?? error.code})` : '';
      process.stderr.write(`frago: ${error instanceof Error ? error.message : String(error)}${code}\n`);
      process.exitCode = 1;
    }
  },
);
