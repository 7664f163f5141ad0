import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fnv1a64, tailBaselineKeeps } from '../src/fidelity/tail.js';

test('fnv1a64 matches the published FNV-1a 64 test vectors', () => {
  // From the FNV reference (isthe.com/chongo/tech/comp/fnv), as Go's hash/fnv computes them.
  assert.equal(fnv1a64(Buffer.from('')), 0xcbf29ce484222325n);
  assert.equal(fnv1a64(Buffer.from('a')), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64(Buffer.from('foobar')), 0x85944171f73967e8n);
});

test('the baseline decides as the tail_sampling processor does (reference computed with Go hash/fnv and math/big)', () => {
  const at30: Record<string, boolean> = {
    '0af7651916cd43dd8448eb211c80319c': true,
    '4bf92f3577b34da6a3ce929d0e0e4736': false,
    '00000000000000000000000000000001': false,
    ffffffffffffffffffffffffffffffff: true,
    '5b8efff798038103d269b633813fc60c': false,
    a3ce929d0e0e47364bf92f3577b34da6: false,
  };
  for (const [id, kept] of Object.entries(at30)) assert.equal(tailBaselineKeeps(id, 30), kept, id);
});

test('the baseline keeps every trace at 100 %, none at 0 %, and about its share between', () => {
  const ids = Array.from({ length: 20_000 }, () => randomBytes(16).toString('hex'));
  assert.ok(ids.every((id) => tailBaselineKeeps(id, 100)));
  assert.ok(ids.every((id) => !tailBaselineKeeps(id, 0)));
  const share = ids.filter((id) => tailBaselineKeeps(id, 30)).length / ids.length;
  // 30 % of 20 000: σ ≈ 0.32 percentage points; 1.5 points is ~5σ.
  assert.ok(Math.abs(share - 0.3) < 0.015, `kept ${share}`);
  // A lower percentage keeps a subset of what a higher one keeps (one threshold on one hash).
  assert.ok(ids.filter((id) => tailBaselineKeeps(id, 10)).every((id) => tailBaselineKeeps(id, 30)));
});
