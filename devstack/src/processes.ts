import { execa, type ResultPromise } from 'execa';
import pRetry, { AbortError } from 'p-retry';

/** A long-running child of the stack (a service, Jaeger, the Collector, stripe-mock). */
export interface ManagedProcess {
  name: string;
  pid: number;
  /** Its exit code once it has ended (null after a signal), undefined while it runs. */
  exitCode(): number | null | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Sends a signal to its process group (e.g. SIGSTOP and SIGCONT to freeze it). */
  signal(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
  /** Its last output lines, for error messages when it fails. */
  recentOutput(): string[];
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  /** The whole environment of the child (not added to this process's). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives every output line (stdout and stderr); default: print it prefixed with the name. */
  onLine?: (line: string) => void;
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];

/** Prints lines as `name | line`, the name in a colour of its own on a terminal. */
export function prefixer(name: string, colorIndex = [...name].reduce((sum, c) => sum + c.charCodeAt(0), 0)): (line: string) => void {
  const color = COLORS[colorIndex % COLORS.length];
  const label = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(14)}\x1b[0m` : name.padEnd(14);
  return (line) => process.stdout.write(`${label}| ${line}\n`);
}

/**
 * Starts a child in its own process group (so Ctrl-C in a terminal reaches only us, and the stack
 * stops in order), streaming its output line by line.
 */
export function startProcess(options: StartOptions): ManagedProcess {
  const child: ResultPromise = execa(options.command, options.args, {
    env: options.env ?? process.env,
    extendEnv: false,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    detached: true,
  });
  const print = options.onLine ?? prefixer(options.name);
  const recent: string[] = [];
  let exitCode: number | null | undefined;
  const exited = (async () => {
    try {
      for await (const chunk of child.iterable({ from: 'all' })) {
        const line = String(chunk);
        recent.push(line);
        if (recent.length > 30) recent.shift();
        print(line);
      }
    } catch {
      /* the output ends with the process */
    }
    const result = await child;
    if (result.failed && result.exitCode === undefined && !result.signal) print(`failed to start: ${result.shortMessage}`);
    exitCode = result.exitCode ?? (result.signal ? null : -1);
    return exitCode;
  })();
  const pid = child.pid ?? -1;
  const running = () => exitCode === undefined && pid > 0;
  const signal = (sig: NodeJS.Signals) => {
    if (running()) signalGroup(pid, sig);
  };
  const stop = async (graceMs = 10_000) => {
    if (!running()) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name: options.name, pid, exitCode: () => exitCode, stop, signal, exited, recentOutput: () => [...recent] };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group: no grandchild is left behind
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Between attempts; default 100 ms. */
  intervalMs?: number;
  /** Gives up at once when this process ends (its last output goes into the error). */
  process?: ManagedProcess;
}

/**
 * Retries `check` every 100 ms (`intervalMs`) until it resolves, `timeoutMs` passes, or the process exits. A
 * check that throws p-retry's AbortError gives up at once with that error.
 */
export async function waitFor<T>(what: string, check: () => Promise<T>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const proc = options.process;
  let last = '';
  let fatal: string | undefined;
  const attempt = async () => {
    if (proc && proc.exitCode() !== undefined) {
      fatal = `${proc.name} exited before ${what} was ready; its last output:\n${proc.recentOutput().join('\n')}`;
      throw new AbortError(fatal);
    }
    try {
      return await check();
    } catch (err) {
      if (err instanceof AbortError) fatal = err.message;
      throw err;
    }
  };
  try {
    return await pRetry(attempt, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: options.intervalMs ?? 100,
      factor: 1,
      maxRetryTime: timeoutMs,
      onFailedAttempt: ({ error }) => {
        last = error.message;
      },
    });
  } catch (err) {
    throw new Error(fatal ?? `${what} not ready after ${timeoutMs} ms (${last || (err as Error).message})`);
  }
}

/** Waits until `url` answers 2xx. */
export async function waitForHttp(url: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    url,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
    options,
  );
}
