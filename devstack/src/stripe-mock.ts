/** stripe-mock, the real one, as a process of the stack on loopback. */
import { startProcess, waitFor, type ManagedProcess, type Owner } from './processes.js';
import { ensureTool } from './tools.js';

/**
 * Starts the real stripe-mock on loopback and waits until it answers API calls. With an `owner`,
 * it is added to it as soon as it is spawned, and the owner's stop cancels the start.
 */
export async function startStripeMock(options: { port: number; onLine?: (line: string) => void; owner?: Owner }): Promise<ManagedProcess> {
  const { owner } = options;
  const command = ensureTool('stripe-mock');
  owner?.signal.throwIfAborted();
  const proc = startProcess({
    name: 'stripe-mock',
    command,
    // Loopback only: stripe-mock binds every interface unless told otherwise. v0.203.0 also opens
    // its HTTPS listener on the fixed port 12112 when only -http-addr is given (only -http-port
    // turns it off), so two stripe-mocks (npm test and the lab it runs) collided there; HTTPS
    // goes to a loopback port the system picks instead.
    args: ['-http-addr', `127.0.0.1:${options.port}`, '-https-addr', '127.0.0.1:0'],
    onLine: options.onLine ?? (() => undefined),
  });
  try {
    owner?.add(() => proc.stop());
    await waitFor(
      'stripe-mock',
      async () => {
        const res = await fetch(`http://127.0.0.1:${options.port}/v1/balance`, {
          headers: { authorization: 'Bearer sk_test_ready' },
          ...(owner ? { signal: owner.signal } : {}),
        });
        await res.body?.cancel();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
      },
      { process: proc, timeoutMs: 30_000, ...(owner ? { signal: owner.signal } : {}) },
    );
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
