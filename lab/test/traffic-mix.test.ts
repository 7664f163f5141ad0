import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SEED_ACCOUNTS } from '@paytrace/auth/data';
import { SEED_BALANCES } from '@paytrace/balance/data';
import { Amount } from '@paytrace/services';
import { ROOT } from '@paytrace/devstack';
import {
  CYCLE,
  DEFAULT_RATE,
  EXPECTED_STATUS,
  INVALID_BODY,
  LOAD_API_KEYS,
  REFUSAL,
  requestAt,
  SHARES,
  type RequestKind,
} from '../src/load/traffic-mix.js';
import { vegetaTargets } from '../src/load/vegeta.js';

describe('the traffic mix (loadtest/traffic-mix.js)', () => {
  test('18 payments, 1 refusal and 1 invalid request in every 20, in that order', () => {
    assert.deepEqual(SHARES, { payment: 18, insufficient_funds: 1, invalid: 1 });
    assert.equal(CYCLE, 20);
    const kinds = Array.from({ length: 200 }, (_, i) => requestAt(i).kind);
    const count = (kind: RequestKind) => kinds.filter((k) => k === kind).length;
    assert.deepEqual([count('payment'), count('insufficient_funds'), count('invalid')], [180, 10, 10]);
    assert.deepEqual(kinds.slice(17, 21), ['payment', 'insufficient_funds', 'invalid', 'payment']);
    for (let i = 0; i < 200; i++) assert.equal(requestAt(i).expectedStatus, EXPECTED_STATUS[requestAt(i).kind]);
    assert.deepEqual(EXPECTED_STATUS, { payment: 201, insufficient_funds: 402, invalid: 400 });
  });

  test("payments take the 20 load accounts in turn, and each kind's request gets the answer it expects from the seed", () => {
    const payments = Array.from({ length: 400 }, (_, i) => requestAt(i)).filter((r) => r.kind === 'payment');
    const perAccount = new Map<string, number>();
    for (const p of payments) perAccount.set(p.apiKey, (perAccount.get(p.apiKey) ?? 0) + 1);
    assert.deepEqual([...perAccount.keys()].sort(), [...LOAD_API_KEYS].sort(), 'every load account, and only those');
    assert.deepEqual(new Set(perAccount.values()), new Set([payments.length / 20]), 'evenly');
    assert.equal(LOAD_API_KEYS.length, 20);

    const seededKeys = new Set(SEED_ACCOUNTS.map((a) => a.apiKey));
    const balanceOf = (apiKey: string) => {
      const account = SEED_ACCOUNTS.find((a) => a.apiKey === apiKey)!;
      return SEED_BALANCES.find((b) => b.accountId === account.id && b.currency === 'usd')!.balance;
    };
    for (const key of [...LOAD_API_KEYS, REFUSAL.apiKey]) assert.ok(seededKeys.has(key), `${key} is in auth's seed`);
    for (const p of payments) assert.ok(p.body.amount >= Amount.minimum! && p.body.amount <= balanceOf(p.apiKey) / 1_000_000, JSON.stringify(p));
    // A refusal is a valid request the balance cannot cover; an invalid one fails validation.
    assert.ok(REFUSAL.body.amount <= Amount.maximum! && REFUSAL.body.amount > balanceOf(REFUSAL.apiKey));
    assert.ok(INVALID_BODY.amount < Amount.minimum!);
    assert.ok(DEFAULT_RATE > 0);
  });
});

/** What loadtest/payments.js sends, run outside k6: its k6 modules replaced by recorders. */
async function k6ScriptRequests(count: number) {
  const sent: Array<{ url: string; body: unknown; headers: Record<string, string>; kind: string; expected: number[] }> = [];
  const k6 = { iteration: 0, sent };
  Object.assign(globalThis, { __ENV: { PAYTRACE_URL: 'http://gateway.test' }, __k6: k6 });
  const stubs: Record<string, string> = {
    k6: 'export const check = () => true;',
    'k6/http': `export default {
      expectedStatuses: (...statuses) => ({ statuses }),
      post: (url, body, params) => { globalThis.__k6.sent.push({ url, body: JSON.parse(body), headers: params.headers, kind: params.tags.kind, expected: params.responseCallback.statuses }); return { status: 0, headers: {} }; },
    };`,
    'k6/execution': 'export default { scenario: { get iterationInTest() { return globalThis.__k6.iteration; } }, vu: { idInTest: 1 } };',
    'k6/metrics': 'export class Trend { add() {} }',
  };
  const hooks = registerHooks({
    resolve: (specifier, context, next) =>
      specifier in stubs ? { url: `data:text/javascript,${encodeURIComponent(stubs[specifier]!)}`, shortCircuit: true } : next(specifier, context),
  });
  try {
    const script = (await import(pathToFileURL(join(ROOT, 'loadtest', 'payments.js')).href)) as { default: () => void; options: unknown };
    for (k6.iteration = 0; k6.iteration < count; k6.iteration++) script.default();
    return { sent, options: script.options as { scenarios: { payments: { rate: number; maxVUs: number } } } };
  } finally {
    hooks.deregister();
  }
}

describe('k6 and Vegeta send the same mix', () => {
  test("the first 40 requests of loadtest/payments.js and of Vegeta's targets: same kinds, accounts, bodies and expected statuses", async () => {
    const k6 = await k6ScriptRequests(40);
    assert.equal(k6.options.scenarios.payments.rate, DEFAULT_RATE, "the script's default rate is the mix's");
    const vegeta = vegetaTargets('http://gateway.test', 40, 'run')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { method: string; url: string; header: Record<string, string[]>; body: string });
    assert.equal(vegeta.length, 40);
    for (let i = 0; i < 40; i++) {
      const mix = requestAt(i);
      const [fromK6, fromVegeta] = [k6.sent[i]!, vegeta[i]!];
      assert.equal(fromK6.kind, mix.kind);
      assert.deepEqual(fromK6.expected, [mix.expectedStatus]);
      assert.equal(fromK6.url, 'http://gateway.test/process-payment');
      assert.equal(new URL(fromVegeta.url).href, `http://gateway.test/process-payment#${i}`, 'the fragment (never sent) names the request');
      assert.equal(fromVegeta.method, 'POST');
      assert.equal(fromK6.headers.authorization, `Bearer ${mix.apiKey}`);
      assert.deepEqual(fromVegeta.header.Authorization, [`Bearer ${mix.apiKey}`]);
      assert.deepEqual(fromK6.body, mix.body);
      assert.deepEqual(JSON.parse(Buffer.from(fromVegeta.body, 'base64').toString()), mix.body);
    }
    const keys = (xs: string[]) => new Set(xs).size;
    assert.equal(keys(vegeta.map((t) => t.header['Idempotency-Key']![0]!)), 40, 'an Idempotency-Key per request');
    assert.equal(keys(k6.sent.map((r) => r.headers['idempotency-key']!)), 40);
  });
});
