/**
 * Which of paytrace's shortcuts for requests whose trace is not recorded are on:
 * PAYTRACE_UNSAMPLED_SHORTCUTS, a comma-separated list of their names, `all` (the default) or
 * `none`. Each one skips work whose only consumer is a recording span, so a recorded trace is the
 * same with or without it; the switch exists so that each can be measured against its absence
 * (`npm run bench:operations`, `npm run sampling-lab -- --variant`), see docs/sampling-lab.md.
 *
 *   context       event emitters bound to a context by wrapping `emit`, and no new async
 *                 context frame to enter the context already active (context-manager.ts)
 *   sqlcommenter  the traceparent comment only on queries whose span is sampled (sqlcommenter-when-sampled.ts)
 *   flag-events   a flag evaluation's span event only on a recording span (fault-flags.ts)
 *   pool-scope    a queued-work scope only for an HTTP request that waits for a connection (queued-work-context.ts)
 *   fastify       no @fastify/otel spans for a request whose span is not recording (fastify-unsampled.ts)
 */
export const UNSAMPLED_SHORTCUTS = ['context', 'sqlcommenter', 'flag-events', 'pool-scope', 'fastify'] as const;
export type UnsampledShortcut = (typeof UNSAMPLED_SHORTCUTS)[number];

/** The shortcuts PAYTRACE_UNSAMPLED_SHORTCUTS turns on; unknown names are an error (a typo must not look like a measurement). */
export function unsampledShortcuts(env: NodeJS.ProcessEnv = process.env): ReadonlySet<UnsampledShortcut> {
  const value = (env.PAYTRACE_UNSAMPLED_SHORTCUTS ?? 'all').trim();
  if (value === 'all') return new Set(UNSAMPLED_SHORTCUTS);
  if (value === 'none' || value === '') return new Set();
  const names = value.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!(UNSAMPLED_SHORTCUTS as readonly string[]).includes(name)) {
      throw new Error(`PAYTRACE_UNSAMPLED_SHORTCUTS: unknown shortcut "${name}" (known: ${UNSAMPLED_SHORTCUTS.join(', ')}, or all, none)`);
    }
  }
  return new Set(names as UnsampledShortcut[]);
}

/** Whether one shortcut is on (read from the environment once per process). */
let fromEnv: ReadonlySet<UnsampledShortcut> | undefined;
export function shortcutOn(name: UnsampledShortcut): boolean {
  fromEnv ??= unsampledShortcuts();
  return fromEnv.has(name);
}
