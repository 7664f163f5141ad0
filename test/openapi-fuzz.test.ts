import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTool } from '@paytrace/devstack';
import { isErrorBody } from '@paytrace/services';
import { databaseUrl, stripeApiBase } from './support/env.js';
import { resetData, testPool } from './support/db.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { readExchanges, type Exchange } from './fuzz/har.js';
import { rawExchange } from './fuzz/raw-http.js';

/**
 * The public API against its own OpenAPI document: schemathesis generates valid and invalid
 * requests from the document the gateway serves and sends them to the real stack (four services,
 * Postgres, stripe-mock). Bounded: at most FUZZ_EXAMPLES cases per operation and phase, and
 * FUZZ_SECONDS in all. A fixed seed replays a run: PAYTRACE_FUZZ_SEED=<seed printed below>.
 */
const FUZZ_EXAMPLES = 40;
const FUZZ_SECONDS = 40;
/** A seed account whose balance no run exhausts, so that valid payments go through. */
const API_KEY = 'test_key_load_01';
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'ignored_auth',
  'missing_required_header',
];

interface Run {
  code: number;
  output: string;
  exchanges: Exchange[];
}

function runSchemathesis(gateway: string, workDir: string, seed: number): Promise<Run> {
  const har = join(workDir, 'run.har');
  const args = [
    'run',
    `${gateway}/openapi.json`,
    '--url',
    gateway,
    '--header',
    `Authorization: Bearer ${API_KEY}`,
    '--checks',
    CHECKS.join(','),
    '--max-examples',
    String(FUZZ_EXAMPLES),
    '--max-time',
    String(FUZZ_SECONDS),
    '--workers',
    '4',
    '--seed',
    String(seed),
    '--report',
    'har',
    '--report-har-path',
    har,
  ];
  return new Promise((resolve, reject) => {
    // In its own directory: Hypothesis keeps its example database in the working directory.
    const child = spawn(ensureTool('schemathesis'), args, { cwd: workDir, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code: code ?? 1, output, exchanges: readExchanges(har) });
      } catch (err) {
        reject(new Error(`schemathesis wrote no report (exit ${code}):\n${output}`, { cause: err }));
      }
    });
  });
}

describe('the gateway against its OpenAPI document', () => {
  let stack: TestStack;
  const db = testPool();
  const workDir = mkdtempSync(join(tmpdir(), 'paytrace-fuzz-'));
  let run: Run | undefined;
  let balancesBefore: Map<string, number>;

  const balances = async () =>
    new Map(
      (await db.query<{ key: string; balance: string }>(`SELECT account_id || '/' || currency AS key, balance FROM balance.balances`)).rows.map(
        (r) => [r.key, Number(r.balance)],
      ),
    );

  before(async () => {
    await resetData(databaseUrl);
    stack = await startTestStack({ databaseUrl, stripeApiBase });
    balancesBefore = await balances();
  });
  after(async () => {
    await stack?.stop();
    await db.end();
    rmSync(workDir, { recursive: true, force: true });
  });

  test('GET /openapi.json: the public routes with their errors, not itself or the probes', async () => {
    const res = await fetch(`${stack.gateway}/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as any;
    assert.match(doc.openapi, /^3\./);
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/accounts/me', '/process-payment']);
    assert.deepEqual(doc.components.securitySchemes.apiKey, {
      type: 'http',
      scheme: 'bearer',
      description: doc.components.securitySchemes.apiKey.description,
    });
    const pay = doc.paths['/process-payment'].post;
    for (const status of ['400', '401', '402', '409', '413', '415', '431', '502', '503', '504']) {
      assert.deepEqual(pay.responses[status]?.content['application/json'].schema, { $ref: '#/components/schemas/ErrorResponse' }, status);
    }
    assert.ok(doc.paths['/accounts/me'].get.responses['431'], '431 documented for GET /accounts/me');
  });

  test('Node’s own refusals are in the error envelope: 431 for a huge header, 400 for bytes that are not HTTP', async () => {
    const huge = await rawExchange(stack.gateway, `GET /accounts/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(huge.status, 431);
    assert.match(huge.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(huge.body), { error: { code: 'headers_too_large', message: JSON.parse(huge.body).error.message } });
    const garbage = await rawExchange(stack.gateway, 'HELLO\r\n\r\n');
    assert.equal(garbage.status, 400);
    assert.ok(isErrorBody(JSON.parse(garbage.body)), garbage.body);
    const badUrl = await fetch(`${stack.gateway}/accounts/%zz`);
    assert.equal(badUrl.status, 400);
    assert.ok(isErrorBody(await badUrl.json()));
  });

  test('schemathesis: no 5xx, every status, content type and body as documented', { timeout: (FUZZ_SECONDS + 60) * 1000 }, async () => {
    const seed = Number(process.env.PAYTRACE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const started = performance.now();
    run = await runSchemathesis(stack.gateway, workDir, seed);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const counts = new Map<string, number>();
    for (const e of run.exchanges) counts.set(`${e.method} ${e.path} ${e.status}`, (counts.get(`${e.method} ${e.path} ${e.status}`) ?? 0) + 1);
    const statuses = [...counts].map(([answer, n]) => `${answer}: ${n}`).sort();
    console.log(`schemathesis (seed ${seed}): ${run.exchanges.length} requests in ${seconds} s\n  ${statuses.join('\n  ')}`);
    assert.equal(run.code, 0, `schemathesis found problems (PAYTRACE_FUZZ_SEED=${seed}):\n${run.output}`);
    assert.ok(
      run.exchanges.some((e) => e.status === 201),
      'some payments went through',
    );
    for (const e of run.exchanges) {
      assert.ok(e.status < 500, `${e.method} ${e.path}: ${e.status} ${e.text}`);
      if (e.status >= 400) {
        assert.match(e.contentType, /^application\/json/, `${e.method} ${e.path}: ${e.status} ${e.contentType}`);
        assert.ok(isErrorBody(e.body), `${e.method} ${e.path}: ${e.status} ${e.text}`);
      }
    }
  });

  test('no money moved by a refused request: debits and charges are exactly the 201s', async (t) => {
    if (!run) return t.skip('the fuzz run did not finish');
    const paid = new Map<string, { amount: number; currency: string }>();
    for (const e of run.exchanges) {
      if (e.method !== 'POST' || e.path !== '/process-payment' || e.status !== 201) continue;
      const { payment_id: paymentId, amount, currency } = e.body as { payment_id: string; amount: number; currency: string };
      const earlier = paid.get(paymentId);
      if (earlier) assert.deepEqual(earlier, { amount, currency }, `a replay of ${paymentId} answers the same payment`);
      paid.set(paymentId, { amount, currency });
    }
    const { rows: charges } = await db.query<{ payment_id: string; account_id: string; amount: string; currency: string }>(
      `SELECT payment_id, account_id, amount, currency FROM payments.transactions WHERE status = 'succeeded'`,
    );
    assert.deepEqual(charges.map((c) => c.payment_id).sort(), [...paid.keys()].sort(), 'one succeeded charge per paid payment, no other');
    const expected = new Map<string, number>();
    for (const c of charges) {
      assert.deepEqual({ amount: Number(c.amount), currency: c.currency }, paid.get(c.payment_id), c.payment_id);
      const key = `${c.account_id}/${c.currency}`;
      expected.set(key, (expected.get(key) ?? 0) + Number(c.amount));
    }
    const after = await balances();
    for (const [key, before] of balancesBefore) {
      assert.equal(before - after.get(key)!, expected.get(key) ?? 0, `money debited from ${key}`);
    }
    const { rows: holds } = await db.query<{ hold_key: string }>(
      `SELECT hold_key FROM balance.holds WHERE status <> 'released' AND hold_key NOT LIKE 'history_%'`,
    );
    assert.deepEqual(holds.map((h) => h.hold_key).sort(), [...paid.keys()].sort(), 'no money held for a refused request');
  });
});
