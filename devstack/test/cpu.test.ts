import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineBusyCpuSeconds, processTreeCpuSeconds } from '../src/cpu.js';

/** Busy-loops in a new Node.js process until it has used `ms` of CPU (however busy the machine is). */
const burn = (ms: number) => `${JSON.stringify(process.execPath)} -e "while (process.cpuUsage().user < ${ms * 1000});"`;

describe('processTreeCpuSeconds', () => {
  test('counts a descendant that has ended (as a Postgres backend after its connection closed)', async () => {
    // bash forks a child that burns 400 ms and ends; bash then lives on, as a postmaster does.
    const parent = spawn('bash', ['-c', `${burn(400)}; echo done; sleep 5`], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => parent.stdout.once('data', resolve));
      const seconds = processTreeCpuSeconds(parent.pid!);
      assert.ok(seconds >= 0.3, `the ended child's CPU is counted: ${seconds} s`);
      assert.ok(processTreeCpuSeconds(parent.pid!, 'system') <= seconds);
    } finally {
      parent.kill();
    }
  });

  test('counts a descendant that is still running', async () => {
    const parent = spawn('bash', ['-c', `${burn(3000)}`], { stdio: 'ignore' });
    try {
      await sleep(600);
      assert.ok(processTreeCpuSeconds(parent.pid!) >= 0.3);
    } finally {
      spawn('pkill', ['-P', String(parent.pid)]);
      parent.kill();
    }
  });

  test('is 0 for a process that does not exist', () => {
    assert.equal(processTreeCpuSeconds(2 ** 22 + 12345), 0);
  });
});

test('machineBusyCpuSeconds grows while something runs', async () => {
  const before = machineBusyCpuSeconds();
  const start = process.cpuUsage().user;
  while (process.cpuUsage().user - start < 300_000);
  assert.ok(machineBusyCpuSeconds() - before >= 0.25);
});
