/** The stack's child processes: starting one (tied to our life), stopping it, what owns them (Lifetime), waiting until ready. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

let setpriv: string | null | undefined;

/**
 * `command args` made to die with this process however it ends (kill -9, a crash included): util-linux's
 * `setpriv --pdeathsig` has the kernel send `signal` to the child when we end (PR_SET_PDEATHSIG; "we" is
 * the thread that spawned it, and Node spawns from its main thread). A shell between them closes the
 * race of a parent that died before the setting took: it checks that its parent is still us, then
 * becomes the command (same pid). Without setpriv (util-linux < 2.33, not Linux) a warning says so once,
 * and the command runs as is: a stop still stops it, but a killed stack leaves it running.
 */
export function diesWithUs(command: string, args: string[], signal: NodeJS.Signals = 'SIGKILL'): { command: string; args: string[] } {
  if (setpriv === undefined) {
    try {
      const help = execFileSync('setpriv', ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      setpriv = help.includes('--pdeathsig') ? 'setpriv' : null;
    } catch {
      setpriv = null;
    }
    if (!setpriv) {
      process.emitWarning('setpriv --pdeathsig (util-linux ≥ 2.33) not found: if this process is killed, the processes it started keep running', {
        code: 'PAYTRACE_NO_PDEATHSIG',
      });
    }
  }
  if (!setpriv) return { command, args };
  const guard = 'test "$PPID" = "$1" || exit 111; shift; exec "$@"';
  return { command: setpriv, args: ['--pdeathsig', signal, '--', '/bin/sh', '-c', guard, 'sh', String(process.pid), command, ...args] };
}

/**
 * Starts a child in its own process group (so Ctrl-C in a terminal reaches only us, and the stack
 * stops in order), streaming its output line by line. It gets SIGKILL if this process ends without
 * stopping it (diesWithUs).
 */
export function startProcess(options: StartOptions): ManagedProcess {
  const { command, args } = diesWithUs(options.command, options.args);
  const child: ResultPromise = execa(command, args, {
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

/** Is `pid` a running process? A zombie (ended, not yet reaped by its parent) is not. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Where a start registers what it spawns, the moment it spawns it (a Lifetime). */
export interface Owner {
  /** Aborted once the owner stops: spawn nothing more, stop waiting. */
  readonly signal: AbortSignal;
  /** Adds the stop of what was just spawned; when the owner is stopping already, stops it at once and throws. */
  add(stop: () => Promise<void>): void;
}

/**
 * Everything a stack has started, each part from the moment it is spawned. stop() may come at any
 * moment, also in the middle of a start, and any number of times (one stop): it aborts `signal`
 * (the starts under way spawn nothing more and stop waiting), stops everything added, the last
 * first, then waits for the starts under way (run) to end, stopping what they still add.
 */
export class Lifetime implements Owner {
  readonly #abort = new AbortController();
  readonly signal = this.#abort.signal;
  readonly #stops: Array<() => Promise<void>> = [];
  readonly #pending = new Set<Promise<unknown>>();
  #stopped: Promise<void> | undefined;

  /** `outer` aborting stops it, at any moment. */
  constructor(outer?: AbortSignal) {
    const stop = () => {
      void this.stop(outer?.reason);
    };
    if (outer?.aborted) stop();
    else outer?.addEventListener('abort', stop, { once: true });
  }

  add(stop: () => Promise<void>): void {
    if (this.signal.aborted) {
      this.#track(stop());
      this.signal.throwIfAborted();
    }
    this.#stops.push(stop);
  }

  /** Runs a start that stop() waits for. */
  run<T>(start: () => Promise<T>): Promise<T> {
    const started = (async () => {
      this.signal.throwIfAborted();
      return await start();
    })();
    this.#track(started);
    return started;
  }

  stop(reason?: unknown): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort(reason);
      while (this.#stops.length > 0 || this.#pending.size > 0) {
        for (const stop of this.#stops.splice(0).reverse()) await stop().catch(() => undefined);
        await Promise.allSettled([...this.#pending]);
      }
    })();
    return this.#stopped;
  }

  #track(promise: Promise<unknown>): void {
    const forget = () => this.#pending.delete(promise);
    this.#pending.add(promise);
    promise.then(forget, forget);
  }
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Between attempts; default 100 ms. */
  intervalMs?: number;
  /** Gives up at once when this process ends (its last output goes into the error). */
  process?: ManagedProcess;
  /** Gives up at once when aborted, with its reason. */
  signal?: AbortSignal;
}

/**
 * Retries `check` every 100 ms (`intervalMs`) until it resolves, `timeoutMs` passes, the process exits
 * or the signal aborts. A check that throws p-retry's AbortError gives up at once with that error.
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
      ...(options.signal ? { signal: options.signal } : {}),
      onFailedAttempt: ({ error }) => {
        last = error.message;
      },
    });
  } catch (err) {
    options.signal?.throwIfAborted();
    throw new Error(fatal ?? `${what} not ready after ${timeoutMs} ms (${last || (err as Error).message})`);
  }
}

/** Waits until `url` answers 2xx. */
export async function waitForHttp(url: string, options: WaitOptions = {}): Promise<void> {
  await waitFor(
    url,
    async () => {
      const timeout = AbortSignal.timeout(2_000);
      const res = await fetch(url, { signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
    options,
  );
}
