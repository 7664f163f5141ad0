/** A process that loses the CPU for part of the time: SIGSTOP for `forMs` every `everyMs`, SIGCONT in between, for a while. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PauseCycleOptions {
  /** One pause starts every this many ms… */
  everyMs: number;
  /** …and lasts this many (less than everyMs). */
  forMs: number;
  /** Stop cycling after this long. */
  durationMs: number;
  /** Stops early (the process is always left running). */
  signal?: AbortSignal;
  /** Sends a signal to the process (default: process.kill(pid, …)); a test passes its ManagedProcess's. */
  send?: (signal: 'SIGSTOP' | 'SIGCONT') => void;
}

export interface PauseCycleResult {
  pauses: number;
  /** Time the process spent stopped, ms (the timers' own lateness included). */
  stoppedMs: number;
}

/**
 * Pauses `pid` over and over, like a process starved of CPU (a container past its CPU quota is
 * throttled in the same on/off pattern) or one that stops the world for GC. It always ends with
 * SIGCONT, also when aborted or when a signal fails.
 */
export async function pauseCycle(pid: number, options: PauseCycleOptions): Promise<PauseCycleResult> {
  const { everyMs, forMs, durationMs } = options;
  if (!(forMs > 0 && everyMs > forMs)) throw new Error(`a pause of ${forMs} ms every ${everyMs} ms: it needs 0 < for < every`);
  const send = options.send ?? ((signal) => process.kill(pid, signal));
  const end = Date.now() + durationMs;
  let pauses = 0;
  let stoppedMs = 0;
  try {
    while (Date.now() < end && !options.signal?.aborted) {
      const cycleStart = Date.now();
      send('SIGSTOP');
      pauses++;
      await sleep(Math.min(forMs, end - cycleStart)).catch(() => undefined);
      send('SIGCONT');
      stoppedMs += Date.now() - cycleStart;
      const rest = cycleStart + everyMs - Date.now();
      if (rest > 0) {
        await sleep(Math.min(rest, Math.max(0, end - Date.now())), undefined, options.signal ? { signal: options.signal } : {}).catch(
          () => undefined,
        );
      }
    }
  } finally {
    send('SIGCONT');
  }
  return { pauses, stoppedMs };
}
