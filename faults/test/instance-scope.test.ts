import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_FLAG_FILE, clearFaults, currentFaults, readFlagFile, writeFaults } from '../src/flag-file.js';
import { faultsFor, instanceScopedService, scopedInstances } from '../src/instance-scope.js';

const withFlagFile = (body: (file: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'paytrace-flags-'));
  try {
    const file = join(dir, 'flags.json');
    copyFileSync(REPO_FLAG_FILE, file);
    body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('a fault scoped to one instance is on for that instance alone, as flagd evaluates the file', () => {
  withFlagFile((file) => {
    writeFaults(file, { 'balance-db-latency': 40, 'balance-velocity-check-under-lock': true }, { instances: ['balance-2'] });
    assert.deepEqual(scopedInstances(readFlagFile(file).flags['balance-db-latency']!), ['balance-2']);
    for (const [instance, latency, underLock] of [
      ['balance-2', 40, true],
      ['balance-1', 0, false],
      [undefined, 0, false],
    ] as const) {
      const values = faultsFor(file, instance);
      assert.equal(values.get('balance-db-latency'), latency, String(instance));
      assert.equal(values.get('balance-velocity-check-under-lock'), underLock, String(instance));
    }
    // What ignores targeting (the UI's list, the committed-file check) sees it off.
    assert.equal(currentFaults(file).get('balance-db-latency'), 0);
    // Switched again without --instance: on everywhere, the rule gone.
    writeFaults(file, { 'balance-db-latency': 25 });
    assert.equal(readFlagFile(file).flags['balance-db-latency']!.targeting, undefined);
    assert.equal(faultsFor(file, 'balance-1').get('balance-db-latency'), 25);
    writeFaults(file, { 'auth-db-latency': 30 }, { instances: ['auth-1', 'auth-3'] });
    assert.deepEqual(
      ['auth-1', 'auth-2', 'auth-3'].map((i) => faultsFor(file, i).get('auth-db-latency')),
      [30, 0, 30],
    );
    clearFaults(file);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(REPO_FLAG_FILE, 'utf8'));
  });
});

test('only faults with a process per instance can be scoped, and only to their own service’s instances', () => {
  assert.equal(instanceScopedService('balance-db-latency'), 'balance');
  assert.equal(instanceScopedService('gateway-sequential-account-reads'), 'gateway');
  assert.equal(instanceScopedService('stripe-latency'), undefined);
  withFlagFile((file) => {
    assert.throws(() => writeFaults(file, { 'stripe-latency': 300 }, { instances: ['payments-2'] }), /cannot be scoped/);
    assert.throws(() => writeFaults(file, { 'balance-db-latency': 40 }, { instances: ['auth-2'] }), /not one of its instances/);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(REPO_FLAG_FILE, 'utf8'));
  });
});
