/**
 * Work that must run after the app has closed and before the process exits (e.g. flushing the
 * spans of the last requests). The telemetry bootstrap registers here; `listen()` runs the hooks.
 * It lives apart from the SDK so that apps never import the SDK themselves.
 */
const hooks: Array<() => Promise<void>> = [];

export function addShutdownHook(hook: () => Promise<void>): void {
  hooks.push(hook);
}

/** Runs every hook once, in registration order; a failing hook does not stop the others. */
export async function runShutdownHooks(): Promise<void> {
  for (const hook of hooks.splice(0)) {
    await hook().catch((err: unknown) => console.error('shutdown hook failed', err));
  }
}
