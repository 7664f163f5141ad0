/** Environments named on the command line: `KEY=value[,KEY=value…]` and `name:KEY=value…`, commas in values kept. */
import { UsageError } from './cli.js';

/**
 * The environment a lab variant or a benchmark configuration names on the command line:
 * `KEY=value[,KEY=value…]`. A comma starts a new assignment only where `KEY=` follows it, so a
 * value may hold commas: `OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,undici,pg,pino` is one
 * assignment. (Splitting at every comma once turned that into `…=http` and three junk variables,
 * and an A/B measured "no pino instrumentation" as "no undici and pg instrumentation".)
 */
export function parseAssignments(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const part of text.split(/,(?=[A-Za-z_][A-Za-z0-9_]*=)/)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(part);
    if (!match) throw new UsageError(`"${part}" is not KEY=value`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

/** `name:KEY=value[,KEY=value…]` → its name (everything before the first colon) and environment. */
export function parseNamedAssignments(spec: string): { name: string; env: Record<string, string> } {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new UsageError(`"${spec}": expected name:KEY=value[,KEY=value]`);
  return { name: spec.slice(0, colon), env: parseAssignments(spec.slice(colon + 1)) };
}
