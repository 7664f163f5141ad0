import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
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
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives every output line; default: print it prefixed with the name. */
  onLine?: (line: string) => void;
}

const COLORS = [36, 33, 35, 32, 34, 31, 96, 93];
let nextColor = 0;

export function prefixer(name: string): (line: string) => void {
  const color = COLORS[nextColor++ % COLORS.length];
  const label = process.stdout.isTTY ? `\x1b[${color}m${name.padEnd(14)}\x1b[0m` : name.padEnd(14);
  return (line) => process.stdout.write(`${label}| ${line}\n`);
}

/** Starts a child in its own process group, streaming its output line by line. */
export function startProcess(options: StartOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const print = options.onLine ?? prefixer(options.name);
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line);
    if (recent.length > 30) recent.shift();
    print(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err) => {
      onLine(`failed to start: ${err.message}`);
      resolve(-1);
    });
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const signal = (sig: NodeJS.Signals) => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalGroup(child.pid, sig);
  };
  return { name: options.name, child, stop, signal, exited, recentOutput: () => [...recent] };
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

/** Polls `url` until it answers 2xx, the process exits, or `timeoutMs` passes. */
export async function waitForHttp(url: string, options: { timeoutMs?: number; process?: ManagedProcess } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let exited = false;
  void options.process?.exited.then(() => (exited = true));
  let last = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${options.process?.name} exited before ${url} was ready; its last output:\n${options.process?.recentOutput().join('\n')}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready after ${options.timeoutMs ?? 60_000} ms (${last})`);
}

const handedOut = new Set<number>();

/**
 * A loopback TCP port that was free a moment ago, for a server about to start. It is picked below
 * the kernel's ephemeral range (where the kernel takes the source ports of outgoing connections),
 * so no connection of the running stack can take it before the server binds it, and never the
 * same one twice in this process.
 */
export async function freePort(): Promise<number> {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  const low = Math.max(1024, ephemeralLow - 12_000);
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found in ${low}–${ephemeralLow - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
