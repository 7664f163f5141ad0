import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './stack-settings.js';
import { startProcess, type ManagedProcess } from './processes.js';

export type Tool = 'stripe-mock' | 'jaeger' | 'otelcol' | 'k6' | 'compose-check';
const BINARIES: Record<Tool, string> = {
  'stripe-mock': 'stripe-mock',
  jaeger: 'jaeger',
  otelcol: 'otelcol-paytrace',
  k6: 'k6',
  'compose-check': 'compose-check',
};

/**
 * Path of a pinned Go tool, built into .tools/bin by scripts/install-tools.sh (a no-op when the
 * pinned version is already there).
 */
export function ensureTool(tool: Tool): string {
  const path = join(ROOT, '.tools', 'bin', BINARIES[tool]);
  execFileSync('bash', [join(ROOT, 'scripts', 'install-tools.sh'), tool], { stdio: 'inherit' });
  if (!existsSync(path)) throw new Error(`scripts/install-tools.sh did not produce ${path}`);
  return path;
}

/** Starts the real stripe-mock on loopback and waits until it answers API calls. */
export async function startStripeMock(options: { port: number; onLine?: (line: string) => void }): Promise<ManagedProcess> {
  const bin = ensureTool('stripe-mock');
  const proc = startProcess({
    name: 'stripe-mock',
    command: bin,
    // Loopback only: stripe-mock binds every interface unless told otherwise. v0.203.0 also opens
    // its HTTPS listener on the fixed port 12112 when only -http-addr is given (only -http-port
    // turns it off), so two stripe-mocks (npm test and the lab it runs) collided there; HTTPS
    // goes to a loopback port the system picks instead.
    args: ['-http-addr', `127.0.0.1:${options.port}`, '-https-addr', '127.0.0.1:0'],
    onLine: options.onLine ?? (() => undefined),
  });
  try {
    await waitForStripe(options.port, proc);
  } catch (err) {
    throw new Error(`${(err as Error).message}; its last output:\n${proc.recentOutput().join('\n')}`);
  }
  return proc;
}

async function waitForStripe(port: number, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/v1/balance`, { headers: { authorization: 'Bearer sk_test_ready' } });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (proc.child.exitCode !== null) throw new Error('stripe-mock exited at start');
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('stripe-mock did not answer within 30 s');
}
