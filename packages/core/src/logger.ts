/**
 * The logger frago writes to: the subset of pino's interface it uses, so a pino logger
 * (or any logger with the same shape) can be passed as it is. Each method takes the
 * fields of the line first and its message second.
 */
export interface FragoLogger {
  /** A logger whose lines all carry `bindings`. */
  child(bindings: Record<string, unknown>): FragoLogger;
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
}

const ignore = (): void => undefined;

/** A logger that writes nothing: frago's default. */
export const silentLogger: FragoLogger = {
  child: () => silentLogger,
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
};
