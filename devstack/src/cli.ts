/**
 * What every command-line entry point in scripts/ shares: flags are parsed by node:util's
 * parseArgs and validated here, and a bad flag is a clear message and exit code 2, never a
 * NaN that surfaces later as a strange result.
 */

/** A command line that cannot be run; the message says why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A number > 0 (or ≥ 0 with `allowZero`) from a flag's text. */
export function positiveNumber(flag: string, text: string, options: { allowZero?: boolean } = {}): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (value === 0 && !options.allowZero)) {
    throw new UsageError(`--${flag} must be a number ${options.allowZero ? '≥ 0' : '> 0'}, not "${text}"`);
  }
  return value;
}

/** A whole number > 0 (or ≥ 0 with `allowZero`) from a flag's text. */
export function positiveInteger(flag: string, text: string, options: { allowZero?: boolean } = {}): number {
  const value = positiveNumber(flag, text, options);
  if (!Number.isInteger(value)) throw new UsageError(`--${flag} must be a whole number, not "${text}"`);
  return value;
}

/**
 * Runs a command's main function: a UsageError (or parseArgs's own error for an unknown flag)
 * prints the message and the usage and exits 2; any other error is a failure (exit 1).
 */
export async function runCli(usage: string, main: () => Promise<number | void>): Promise<never> {
  try {
    const code = await main();
    process.exit(code ?? 0);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (err instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${e.message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(e.stack ?? String(err));
    process.exit(1);
  }
}
