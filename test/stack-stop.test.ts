/**
 * The dev stack stops everything it started, whenever the stop comes and however its own process
 * ends (issue 22): a stop while it starts (during Postgres, once the services are up, while the UI
 * starts), a `kill -9` of a process running it, and a `kill -9` in the middle of its stop. With real
 * processes: every pid it started is gone (a zombie, dead but not reaped by an init that does not
 * reap, counts as gone) and every port of the stack refuses connections.
 *
 * This file is also the small script the kill tests run: with PAYTRACE_STACK_STOP_CHILD set, it
 * starts a stack as `npm run stack` does (all of it, the UI included) and reports its pids.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freeStackPorts, isRunning, postmasterPid, ROOT, startStack, type StackOptions, type StackPorts } from '@paytrace/devstack';

interface ChildConfig {
  ports: StackPorts;
  dir: string;
}
type Report = { up: number[] } | { stopping: true } | { stopped: true };

const CHILD = process.env.PAYTRACE_STACK_STOP_CHILD;
const DIR = join(ROOT, '.data', `stack-stop-${process.pid}`);
const children: ChildProcess[] = [];

/** The whole stack, as `npm run stack` has it, in a private folder. */
function fullStack(ports: StackPorts, dir: string): StackOptions {
  return {
    ports,
    postgres: { dataDir: join(dir, 'postgres') },
    telemetry: { dataDir: join(dir, 'telemetry') },
    services: { env: { LOG_LEVEL: 'warn' } },
    ui: { env: { LOG_LEVEL: 'warn' } },
  };
}

if (CHILD) {
  const { ports, dir } = JSON.parse(CHILD) as ChildConfig;
  const report = (message: Report) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const stack = await startStack(fullStack(ports, dir));
  report({ up: [...stack.processes().map((p) => p.pid), postmasterPid(stack.postgres!.dataDir)] });
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'stop') continue;
    report({ stopping: true });
    await stack.stop();
    report({ stopped: true });
  }
} else {
  describe('the dev stack stops everything it started (issue 22)', () => {
    after(async () => {
      for (const child of children) child.kill('SIGKILL');
      // After a failure, Postgres may still be shutting down in the folder.
      const inDir = () => readdirSync('/proc').some((entry) => /^\d+$/.test(entry) && commandLine(Number(entry)).includes(DIR));
      for (let waited = 0; waited < 15_000 && inDir(); waited += 50) await sleep(50);
      rmSync(DIR, { recursive: true, force: true });
    });

    describe('a stop while it starts', () => {
      // No pipeline, to keep it short: the services export nothing, and the UI needs no Jaeger to start.
      const withoutPipeline: Omit<StackOptions, 'ports'> = {
        postgres: { dataDir: join(DIR, 'postgres') },
        telemetry: false,
        services: { env: { LOG_LEVEL: 'warn', OTEL_SDK_DISABLED: 'true' } },
        ui: { jaegerUrl: 'http://127.0.0.1:9', env: { LOG_LEVEL: 'warn' } },
      };

      it('during Postgres (a brand-new cluster): nothing runs once startStack has rejected', async () => {
        const seen = await stopWhileStarting({ ...withoutPipeline, postgres: { dataDir: join(DIR, 'postgres'), fresh: true } }, (procs) =>
          procs.some((p) => p.includes('bin/postgres')),
        );
        assert.ok(seen.some((p) => p.includes('bin/postgres')));
      });

      it('once the services are up, before the UI: nothing runs once startStack has rejected', async () => {
        const seen = await stopWhileStarting(withoutPipeline, async (_procs, ports) => answers(`http://127.0.0.1:${ports.gateway}/readyz`));
        assert.equal(seen.filter((p) => p.includes('--import @paytrace/services/telemetry')).length, 4, seen.join('\n'));
      });

      it('while the UI starts: nothing runs once startStack has rejected', async () => {
        const seen = await stopWhileStarting(withoutPipeline, (procs) => procs.some((p) => p.includes('ui/src/server.ts')));
        assert.ok(seen.some((p) => p.includes('ui/src/server.ts')));
      });
    });

    describe('its own process killed (kill -9)', () => {
      it('once it is up: every process it started is gone within seconds, its ports free', async () => {
        const stack = await startChild();
        const pids = stack.pids();
        assert.ok(pids.length >= 9 + 2, `stripe-mock, jaeger, collector, 4 services, the UI, the postmaster and its backends: ${pids.length}`);
        const killedAt = performance.now();
        stack.child.kill('SIGKILL');
        await allGone(pids, stack.ports, 5_000);
        console.log(`# all ${pids.length} processes gone ${Math.round(performance.now() - killedAt)} ms after kill -9`);
      });

      it('in the middle of its stop: every process it started is gone within seconds, its ports free', async () => {
        const stack = await startChild();
        const [ui, gateway, stripeMock, postmaster] = [stack.up.at(-2)!, stack.up.at(-3)!, stack.up[0]!, stack.up.at(-1)!];
        const pids = stack.pids();
        stack.child.stdin!.write('stop\n');
        assert.deepEqual(await stack.next(), { stopping: true });
        // The UI and the gateway go first: kill -9 once they are gone, with the rest still running.
        while (isRunning(ui) || isRunning(gateway)) await sleep(5);
        const midStop = isRunning(stripeMock) && isRunning(postmaster);
        stack.child.kill('SIGKILL');
        assert.ok(midStop, 'stripe-mock and Postgres still ran when the stop was killed');
        await allGone(pids, stack.ports, 5_000);
      });
    });
  });
}

/** Starts a stack here, aborts it when `when` says so (checked every 10 ms), and checks that nothing of it is left. */
async function stopWhileStarting(
  options: Omit<StackOptions, 'ports'>,
  when: (commandLines: string[], ports: StackPorts) => boolean | Promise<boolean>,
): Promise<string[]> {
  const ports = await freeStackPorts();
  const before = new Set(descendants(process.pid));
  const seen = new Map<number, string>();
  const controller = new AbortController();
  const reason = new Error('stop!');
  const started = new AbortController();
  const watching = (async () => {
    while (!started.signal.aborted) {
      for (const pid of descendants(process.pid)) if (!before.has(pid) && !seen.has(pid)) seen.set(pid, commandLine(pid));
      if (!controller.signal.aborted && (await when([...seen.values()], ports))) controller.abort(reason);
      await sleep(10);
    }
  })();
  const outcome = await startStack({ ...options, ports, signal: controller.signal }).then(
    async (stack) => {
      await stack.stop();
      return 'it started before the stop came';
    },
    (err: unknown) => err,
  );
  started.abort();
  await watching;
  assert.equal(outcome, reason);
  const alive = [...seen].filter(([pid]) => isRunning(pid));
  assert.deepEqual(alive, [], 'still running once startStack rejected');
  assert.deepEqual(await openPorts(ports), []);
  return [...seen.values()];
}

/** A stack in a process of its own (this file as a script), up; its pids (its own report and /proc's). */
async function startChild() {
  const ports = await freeStackPorts();
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname], {
    cwd: ROOT,
    env: { ...process.env, PAYTRACE_STACK_STOP_CHILD: JSON.stringify({ ports, dir: DIR } satisfies ChildConfig) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Report> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the stack's process ended (code ${child.exitCode}): ${stderr}`);
    return JSON.parse(value as string) as Report;
  };
  const report = await next();
  assert.ok('up' in report, JSON.stringify(report));
  const { up } = report;
  return { child, ports, up, next, pids: () => [...new Set([...up, ...descendants(child.pid!)])] };
}

/** Every pid ends and every port refuses connections within `ms`. */
async function allGone(pids: number[], ports: StackPorts, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    const alive = pids.filter((pid) => isRunning(pid)).map((pid) => `${pid} ${commandLine(pid)}`);
    const open = await openPorts(ports);
    if (alive.length === 0 && open.length === 0) return;
    if (performance.now() > deadline) assert.fail(`after ${ms} ms, still running: ${alive.join('; ')}; ports still open: ${open.join(', ')}`);
    await sleep(50);
  }
}

/** The ports of `ports` that still accept a connection. */
async function openPorts(ports: StackPorts): Promise<string[]> {
  const open = await Promise.all(
    Object.entries(ports).map(
      ([name, port]) =>
        new Promise<string | undefined>((resolve) => {
          const socket = connect(port, '127.0.0.1');
          socket.once('connect', () => {
            socket.destroy();
            resolve(`${name} (${port})`);
          });
          socket.once('error', () => resolve(undefined));
        }),
    ),
  );
  return open.filter((name) => name !== undefined);
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Every process under `root`, from /proc (Linux): children, their children, … */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length > 0;) {
    const next = queue.flatMap((pid) => children.get(pid) ?? []);
    found.push(...next);
    queue = next;
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '(gone)';
  }
}
