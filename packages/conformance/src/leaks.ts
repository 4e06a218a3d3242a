/**
 * Text that must never appear in a response: stack frames, source locations, SQL and
 * database driver words, file system error codes, runtime error names. Client data is
 * echoed back (filenames, metadata), so these are chosen to be things no test client
 * sends.
 */
const LEAKS: readonly RegExp[] = [
  /\bat\s+(?:async\s+)?[\w$.<>]+\s+\(/,
  /\n\s+at\s/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules|file:\/\//,
  /\b(?:select|delete)\b[^"]*\bfrom\b|\binsert\s+into\b|\bupdate\s+\S+\s+set\b/i,
  /frago_upload|frago_chunk|sqlite|libsql|postgres|mysql|mariadb|knex|kysely|mikro|duplicate key|violates|syntax error|constraint/i,
  /\b(?:ENOENT|EACCES|EEXIST|EISDIR|ENOTDIR|EPERM|ECONNREFUSED|ECONNRESET|ETIMEDOUT)\b/,
  /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|Error:)/,
];

/**
 * The first thing in a response text that gives away internals (see above) or one of
 * `secrets` (data folders, database URLs, ...), or null when there is none.
 */
export function findLeak(text: string, secrets: readonly string[] = []): string | null {
  for (const pattern of LEAKS) {
    const match = pattern.exec(text);
    if (match) return match[0];
  }
  for (const secret of secrets) if (secret !== '' && text.includes(secret)) return secret;
  return null;
}

/** Collects response texts so a suite can check, at its end, that none leaked anything. */
export class ResponseLog {
  private readonly texts: string[] = [];

  /** Records one response text. */
  record(text: string): void {
    this.texts.push(text);
  }

  /** How many responses were recorded. */
  get size(): number {
    return this.texts.length;
  }

  /** Every recorded response that leaks, with what it leaks. */
  leaks(secrets: readonly string[] = []): Array<{ readonly text: string; readonly leak: string }> {
    return this.texts.flatMap((text) => {
      const leak = findLeak(text, secrets);
      return leak === null ? [] : [{ text: text.slice(0, 500), leak }];
    });
  }
}
