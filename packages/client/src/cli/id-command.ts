import { FragoClient, type CallOptions, type RetryInfo } from '../index.js';
import { SERVER_OPTIONS, UsageError, parse, serverOptions } from './args.js';
import { shortReason } from './reason.js';

/** A retry on stderr, so that a wait for an unreachable server is not silent. */
function reportRetry(info: RetryInfo): void {
  process.stderr.write(`frago: retrying in ${Math.ceil(info.delayMs / 1000)} s: ${shortReason(info.error)}\n`);
}

/**
 * A command about one upload (`frago status ID`, `frago abort ID`): prints `help`,
 * or makes one call and prints its answer (as JSON with `--json`). Returns the exit status.
 */
export function idCommand<T>(
  help: string,
  call: (client: FragoClient, uploadId: string, options: CallOptions) => Promise<T>,
  describe: (answer: T) => string,
) {
  return async (args: string[]): Promise<number> => {
    const { values, positionals } = parse(args, SERVER_OPTIONS);
    if (values.help) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one upload ID');
    const answer = await call(new FragoClient(serverOptions(values)), positionals[0]!, { onRetry: reportRetry });
    process.stdout.write(`${values.json ? JSON.stringify(answer) : describe(answer)}\n`);
    return 0;
  };
}
