import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';

// gateway/src/idempotency.ts imports `@paytrace/services`: `npm run test:unit` resolves it to the
// TypeScript source (the `paytrace-source` export condition), so no build is needed.
import { newPaymentId, requestFingerprint } from '../../gateway/src/idempotency.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const hex = (body: unknown) => requestFingerprint(body).toString('hex');

test('the fingerprint is the SHA-256 of the canonical JSON: a known value', () => {
  // printf '%s' '{"amount":1000,"currency":"usd"}' | sha256sum
  assert.equal(hex({ currency: 'usd', amount: 1000 }), 'a223b60dc6adbc2911e7c073889b220df1181c5534fa6be58c3a70981c354c54');
  const fingerprint = requestFingerprint({ amount: 1000, currency: 'usd' });
  assert.ok(Buffer.isBuffer(fingerprint));
  assert.equal(fingerprint.length, 32);
});

test('canonical JSON: keys sorted at every depth, no whitespace, arrays kept in order', () => {
  const body = {
    metadata: { z: 'last', a: 'first', nested: { y: [3, 1, 2], b: null } },
    currency: 'eur',
    amount: 250,
  };
  const canonical = '{"amount":250,"currency":"eur","metadata":{"a":"first","nested":{"b":null,"y":[3,1,2]},"z":"last"}}';
  assert.deepEqual(requestFingerprint(body), sha256(canonical));
});

test('the order of keys does not change the fingerprint, at any depth', () => {
  const a = { amount: 1, currency: 'usd', metadata: { order: '42', customer: 'c_1', tags: [{ k: 1, j: 2 }] } };
  const b = { metadata: { tags: [{ j: 2, k: 1 }], customer: 'c_1', order: '42' }, currency: 'usd', amount: 1 };
  assert.equal(hex(a), hex(b));
  // The same body parsed from differently ordered JSON text, as the gateway receives it.
  assert.equal(hex(JSON.parse('{"currency":"usd","amount":7}')), hex(JSON.parse('{ "amount": 7, "currency": "usd" }')));
});

test('any change of value, type or array order is a different request', () => {
  const base = hex({ amount: 1000, currency: 'usd' });
  assert.notEqual(hex({ amount: 1001, currency: 'usd' }), base);
  assert.notEqual(hex({ amount: 1000, currency: 'eur' }), base);
  assert.notEqual(hex({ amount: '1000', currency: 'usd' }), base, 'a number and a string are not the same');
  assert.notEqual(hex({ amount: 1000, currency: 'usd', description: 'x' }), base, 'an extra field counts');
  assert.notEqual(hex({ items: [1, 2] }), hex({ items: [2, 1] }), 'arrays are ordered');
  assert.notEqual(hex({ a: { b: 1 } }), hex({ a: { b: '1' } }));
  assert.notEqual(hex({ a: [] }), hex({ a: {} }));
});

test('a field set to undefined is the same as an absent one; null is not', () => {
  assert.equal(hex({ amount: 5, description: undefined }), hex({ amount: 5 }));
  assert.deepEqual(requestFingerprint({ amount: 5, description: undefined }), sha256('{"amount":5}'));
  assert.notEqual(hex({ amount: 5, description: null }), hex({ amount: 5 }));
});

test('keys are escaped, so a crafted key cannot pose as two fields', () => {
  const crafted = { 'a":1,"b': 2 };
  assert.notEqual(hex(crafted), hex({ a: 1, b: 2 }));
  assert.deepEqual(requestFingerprint(crafted), sha256('{"a\\":1,\\"b":2}'));
  assert.deepEqual(requestFingerprint({ 'é\n': '"' }), sha256('{"é\\n":"\\""}'));
});

test('keys sort by UTF-16 code units (as JavaScript compares strings), not by locale', () => {
  // 'B' (0x42) < 'a' (0x61) < 'é' (0xE9): a locale-aware sort would put 'a' first.
  assert.deepEqual(requestFingerprint({ é: 3, a: 2, B: 1 }), sha256('{"B":1,"a":2,"é":3}'));
  assert.deepEqual(requestFingerprint({ '10': 'x', '9': 'y', '1': 'z' }), sha256('{"1":"z","10":"x","9":"y"}'));
});

test('scalars and top-level arrays hash as their JSON', () => {
  assert.deepEqual(requestFingerprint('usd'), sha256('"usd"'));
  assert.deepEqual(requestFingerprint(12.5), sha256('12.5'));
  assert.deepEqual(requestFingerprint(null), sha256('null'));
  assert.deepEqual(requestFingerprint([{ b: 1, a: 2 }, true]), sha256('[{"a":2,"b":1},true]'));
  assert.deepEqual(requestFingerprint({}), sha256('{}'));
});

test('newPaymentId: pay_ and 32 hex digits, different every time', () => {
  const ids = new Set(Array.from({ length: 100 }, () => newPaymentId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^pay_[0-9a-f]{32}$/);
});
