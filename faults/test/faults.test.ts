import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRESETS, SCENARIOS } from '../src/catalog.js';
import { REPO_FLAG_FILE, applyPreset, clearFaults, currentFaults, isOff, parseFaultValue, writeFaults } from '../src/flag-file.js';

test('the committed flag file has exactly the catalog’s flags, every one off, each `on` its example value', () => {
  const values = currentFaults(REPO_FLAG_FILE);
  assert.deepEqual([...values.keys()].sort(), SCENARIOS.map((s) => s.flag).sort());
  for (const [flag, value] of values) assert.ok(isOff(value), `${flag} is off in the repo (it is ${String(value)})`);
  const file = JSON.parse(readFileSync(REPO_FLAG_FILE, 'utf8')) as { flags: Record<string, { variants: { on: unknown } }> };
  for (const s of SCENARIOS) assert.equal(file.flags[s.flag]!.variants.on, s.onValue, s.flag);
  for (const preset of Object.values(PRESETS)) for (const flag of Object.keys(preset)) assert.ok(values.has(flag), flag);
});

test('switching writes a plain flagd file; off puts it back byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paytrace-flags-'));
  try {
    const file = join(dir, 'flags.json');
    copyFileSync(REPO_FLAG_FILE, file);
    writeFaults(file, { 'stripe-latency': 320, 'auth-unindexed-key-lookup': true });
    assert.equal(currentFaults(file).get('stripe-latency'), 320);
    assert.equal(currentFaults(file).get('auth-unindexed-key-lookup'), true);
    applyPreset(file, 'lesson');
    assert.equal(currentFaults(file).get('auth-unindexed-key-lookup'), false, 'a preset turns the others off');
    assert.equal(currentFaults(file).get('auth-db-latency'), PRESETS.lesson!['auth-db-latency']);
    clearFaults(file);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(REPO_FLAG_FILE, 'utf8'));
    assert.throws(() => writeFaults(file, { nope: 1 }), /no flag "nope"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('values as typed: on/off for switches, numbers ≥ 0 for the rest, a share at most 1', () => {
  assert.equal(parseFaultValue('auth-unindexed-key-lookup', 'on'), true);
  assert.equal(parseFaultValue('auth-unindexed-key-lookup', 'off'), false);
  assert.equal(parseFaultValue('stripe-latency', '320'), 320);
  assert.equal(parseFaultValue('stripe-latency', 'on'), 300);
  assert.equal(parseFaultValue('stripe-latency', 'off'), 0);
  assert.throws(() => parseFaultValue('stripe-latency', '-5'), /number ≥ 0/);
  assert.throws(() => parseFaultValue('stripe-latency', '1e3'), /number ≥ 0/);
  assert.throws(() => parseFaultValue('stripe-error-rate', '2'), /0 to 1/);
  assert.throws(() => parseFaultValue('auth-unindexed-key-lookup', '3'), /on or off/);
  assert.throws(() => parseFaultValue('no-such-fault', 'on'), /unknown fault/);
});
