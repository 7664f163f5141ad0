import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { currentFaults, isOff, mysteryRound, PRESETS, REPO_FLAG_FILE, SCENARIOS, pickMystery, writeFaults } from '@paytrace/faults';
import { buildApp } from '../src/app.js';
import { closedPortUrl } from './support/closed-port.js';

const REFUSED = await closedPortUrl();

describe('pages that need no Jaeger, and Jaeger down', () => {
  let dir: string;
  let flagFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'paytrace-ui-'));
    flagFile = join(dir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a malformed trace id and an unknown path are 404 pages, Jaeger not asked', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED } });
    for (const url of ['/trace/not-a-trace', '/trace/0123', "/trace/<script>'", '/nowhere']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 404, url);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /<h1>Not found<\/h1>/);
      assert.doesNotMatch(res.body, /<script>'/);
    }
  });

  test('Jaeger refusing: every page that reads it says so with a 503', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED } });
    for (const url of [
      '/',
      '/?outcome=failed&min_ms=100',
      '/trace/0123456789abcdef0123456789abcdef',
      '/trace/0123456789abcdef0123456789abcdef/mermaid',
      '/slow',
      '/slow?since=1m&from=100&to=300',
      '/trace/0123456789abcdef0123456789abcdef/compare',
      '/trace/0123456789abcdef0123456789abcdef/ranks',
    ]) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 503, url);
      assert.match(res.body, /Jaeger is not answering/);
      assert.ok(res.body.includes(`${REFUSED} did not answer (ECONNREFUSED)`), res.body);
    }
  });

  test('Jaeger frozen (accepts, never answers): a 503 after the timeout, not a hung page', async () => {
    const sockets: Socket[] = [];
    const frozen: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
    const { port } = frozen.address() as { port: number };
    try {
      const app = await buildApp({ jaeger: { url: `http://127.0.0.1:${port}`, timeoutMs: 300 } });
      const res = await app.inject('/trace/0123456789abcdef0123456789abcdef');
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /did not answer \(timed out\)/);
    } finally {
      for (const s of sockets) s.destroy();
      frozen.close();
    }
  });

  test('bad filters are a 400 page, not a 500', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED } });
    for (const url of ['/?outcome=bogus', '/?min_ms=-5', '/?min_ms=abc', '/slow?since=2h', '/slow?from=-1', '/slow?route=DELETE%20%2F']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.match(res.body, /<h1>Bad request<\/h1>/);
    }
  });

  test('/faults lists every switch and switches through the flag file as `npm run fault` does', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED }, flagFile });
    const page = await app.inject('/faults');
    assert.equal(page.statusCode, 200);
    for (const s of SCENARIOS) assert.match(page.body, new RegExp(`data-flag="${s.flag}" data-value="(off|0)"`));

    const post = (form: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/faults',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      });
    let res = await post({ flag: 'stripe-latency', value: '250', action: 'set' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/faults');
    res = await post({ flag: 'auth-unindexed-key-lookup', value: 'on' });
    assert.equal(res.statusCode, 303);
    assert.deepEqual([currentFaults(flagFile).get('stripe-latency'), currentFaults(flagFile).get('auth-unindexed-key-lookup')], [250, true]);
    assert.match((await app.inject('/faults')).body, /data-flag="stripe-latency" data-value="250"/);

    res = await post({ flag: 'stripe-error-rate', value: '7', action: 'set' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /stripe-error-rate is a share of requests, 0 to 1, not 7/);
    res = await post({ flag: 'no-such-fault', value: '1' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /unknown fault/);

    res = await post({ action: 'preset', preset: 'lesson' });
    assert.equal(res.statusCode, 303);
    assert.deepEqual(
      Object.fromEntries([...currentFaults(flagFile)].filter(([, value]) => value !== false && value !== 0)),
      PRESETS.lesson,
      'exactly the preset is on',
    );
    res = await post({ action: 'all-off' });
    assert.equal(res.statusCode, 303);
    assert.ok([...currentFaults(flagFile).values()].every((v) => v === false || v === 0));

    // A fault scoped to one replica (`npm run fault -- balance-db-latency 40 --instance balance-2`)
    // is off by default and on by its targeting rule: the page says on, and for which instance.
    writeFaults(flagFile, { 'balance-db-latency': 40 }, { instances: ['balance-2'] });
    const scoped = (await app.inject('/faults')).body;
    assert.match(scoped, /data-flag="balance-db-latency" data-value="40"/);
    assert.match(scoped, /data-instances="balance-2">\s*40 \(balance-2 only\)/);
    assert.match(scoped, /id="faults-on">balance-db-latency=40 \(balance-2 only\)</);
    writeFaults(flagFile, { 'balance-db-latency': 0 });
  });

  test('/faults under a mystery round: nothing of the answer in the page, switches refused, answers graded, then the reveal', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED }, flagFile });
    const post = (url: string, form: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      });
    const seed = Array.from({ length: 500 }, (_, i) => i).find((s) => pickMystery(s).flag === 'stripe-latency')!;
    let res = await post('/faults/mystery', { action: 'start', seed: String(seed) });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/faults#mystery');
    const { value } = pickMystery(seed);
    assert.equal(currentFaults(flagFile).get('stripe-latency'), value);

    const page = (await app.inject('/faults')).body;
    assert.match(page, new RegExp(`<section id="mystery" class="mystery" data-state="open" data-seed="${seed}">`));
    for (const s of SCENARIOS) {
      assert.ok(!page.includes(s.simulates) && !page.includes(s.fix), `the page shows ${s.flag}'s texts`);
      assert.match(page, new RegExp(`<tr data-flag="${s.flag}"><td><code>`));
    }
    assert.doesNotMatch(page, /data-value=|id="faults-on"|Switch on|Preset: /);
    assert.ok(!page.includes(`=${value}`) && !page.includes(`${value} ms`), 'the value is not shown');

    res = await post('/faults', { flag: 'auth-db-latency', value: '40', action: 'set' });
    assert.equal(res.statusCode, 409);
    assert.match(res.body, /A mystery round is on/);
    res = await post('/faults', { action: 'preset', preset: 'lesson' });
    assert.equal(res.statusCode, 409);

    res = await post('/faults/mystery', { action: 'answer', service: 'balance', operation: 'pg.query:UPDATE' });
    assert.equal(res.statusCode, 303);
    assert.match((await app.inject('/faults')).body, /id="mystery-grade" class="grade wrong" data-grade="wrong">Wrong: the fault is not in balance/);
    res = await post('/faults/mystery', {
      action: 'answer',
      service: 'payments',
      operation: 'pg.query:UPDATE',
      operation_text: 'the call to Stripe',
    });
    assert.equal(res.statusCode, 303);
    assert.equal(mysteryRound(flagFile)?.over?.how, 'solved', 'typed text wins over the list');
    const over = (await app.inject('/faults')).body;
    assert.match(over, /data-state="over"/);
    assert.match(over, /solved in 2 tries/);
    assert.match(over, /<div id="mystery-reveal" data-flag="stripe-latency">/);
    assert.match(over, /Fix: Nothing in paytrace makes Stripe faster/);
    assert.match(over, /id="faults-on">stripe-latency=/, 'over: the switches are back');

    const bad: Array<Record<string, string>> = [
      { action: 'start', seed: 'x' },
      { action: 'answer', service: 'nobody', operation: 'x' },
      { action: 'nope' },
    ];
    for (const form of bad) assert.equal((await post('/faults/mystery', form)).statusCode, 400, JSON.stringify(form));
    res = await post('/faults/mystery', { action: 'answer', service: 'payments', operation: 'POST' });
    assert.equal(res.statusCode, 400, 'no open round to answer');
    res = await post('/faults', { action: 'all-off' });
    assert.equal(res.statusCode, 303);
    assert.equal(mysteryRound(flagFile), undefined);
    assert.ok([...currentFaults(flagFile).values()].every((v) => isOff(v)));
  });

  test('without a flag file, /faults says so and switches nothing', async () => {
    const app = await buildApp({ jaeger: { url: REFUSED } });
    assert.match((await app.inject('/faults')).body, /started without a flag file/);
    const res = await app.inject({
      method: 'POST',
      url: '/faults',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'flag=stripe-latency&value=1',
    });
    assert.equal(res.statusCode, 409);
  });

  test('/lab shows the newest sampling lab result (table and chart), or how to make one', async () => {
    const labDir = join(dir, 'results', 'run-1');
    mkdirSync(labDir, { recursive: true });
    const referenceRun = fileURLToPath(new URL('../../loadtest/reference-run/', import.meta.url));
    for (const f of ['sampling-lab.json', 'sampling-lab.svg']) copyFileSync(join(referenceRun, f), join(labDir, f));
    const app = await buildApp({ jaeger: { url: REFUSED }, labDirs: [join(dir, 'results')] });
    const page = await app.inject('/lab');
    assert.equal(page.statusCode, 200);
    // A row per configuration the run measured (the reference run's six, and its metrics-off variant).
    const configurations = (JSON.parse(readFileSync(join(labDir, 'sampling-lab.json'), 'utf8')) as { configurations: unknown[] }).configurations;
    assert.equal(configurations.length, 7);
    assert.equal((page.body.match(/<tr data-config=/g) ?? []).length, configurations.length);
    assert.match(page.body, /SDK disabled \(baseline\)/);
    // What the metrics tell, per configuration and source, against the load generator's truth: the
    // reference run's 1% span metrics estimated 105 req/s [65.2, 160.2] against 65 (a 2.4% event).
    const estimated = configurations.filter((c) => (c as { metric_estimates?: unknown }).metric_estimates).length;
    assert.ok(estimated >= 5, `${estimated} configurations with metric estimates`);
    assert.equal((page.body.match(/<tr data-estimates=/g) ?? []).length, 2 * estimated);
    assert.match(page.body, /<tr data-estimates="ratio-0\.01" data-source="span metrics">.*?105\.0 \[65\.2, 160\.2\] ✗/s);
    assert.match(page.body, /<tr data-estimates="ratio-0\.01" data-source="SDK metrics">.*?65\.0 \[65\.0, 65\.0\] ✓/s);
    assert.match(page.body, /id="lab-metrics-cost"[^]*× 1\.0\d\d/);
    const chart = await app.inject('/lab/chart.svg');
    assert.equal(chart.statusCode, 200);
    assert.match(chart.headers['content-type'] as string, /^image\/svg\+xml/);

    const empty = await buildApp({ jaeger: { url: REFUSED }, labDirs: [join(dir, 'nothing-here')] });
    assert.match((await empty.inject('/lab')).body, /No sampling lab result/);
    assert.equal((await empty.inject('/lab/chart.svg')).statusCode, 404);
  });
});
