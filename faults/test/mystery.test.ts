import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, scenario } from '../src/catalog.js';
import { REPO_FLAG_FILE, currentFaults, isOff, writeFaults } from '../src/flag-file.js';
import { MYSTERY_STRENGTHS, mulberry32, pickMystery, strengthsOf } from '../src/mystery.js';
import { MYSTERY_SERVICES, TRACE_OPERATIONS, answerOperation, culpritOperations, gradeAnswer } from '../src/mystery-grading.js';
import {
  answerMysteryRound,
  endMysteryRound,
  mysteryRound,
  mysteryRoundFile,
  openMysteryRound,
  revealMysteryRound,
  startMysteryRound,
  type MysteryRound,
} from '../src/mystery-round.js';

const SEEDS = Array.from({ length: 2_000 }, (_, i) => i * 7919 + 1);

test('mulberry32 gives another implementation’s sequence for a seed (so a seed replays on every machine)', () => {
  const random = mulberry32(1985);
  // The first two outputs for seed 1985 (× 2³²) that another project's tests hold its mulberry32 to.
  assert.deepEqual(
    [random(), random()].map((x) => x * 4294967296),
    [3527837133, 3112574143],
  );
});

test('a seed picks the same fault every time; over many seeds every scenario and every strength comes up', () => {
  for (const seed of SEEDS.slice(0, 50)) assert.deepEqual(pickMystery(seed), pickMystery(seed));
  const picked = SEEDS.map((seed) => pickMystery(seed));
  const flags = new Map<string, number>();
  for (const p of picked) flags.set(p.flag, (flags.get(p.flag) ?? 0) + 1);
  assert.deepEqual([...flags.keys()].sort(), SCENARIOS.map((s) => s.flag).sort());
  // Each of nine about equally likely (2000 / 9 ≈ 222; binomial sd ≈ 14).
  for (const [flag, n] of flags) assert.ok(n > 150 && n < 300, `${flag} picked ${n} times of ${SEEDS.length}`);
  for (const s of SCENARIOS) {
    const values = new Set(picked.filter((p) => p.flag === s.flag).map((p) => p.value));
    assert.deepEqual([...values].sort(), [...strengthsOf(s)].sort(), `${s.flag}'s strengths`);
  }
  assert.notDeepEqual(pickMystery(1), pickMystery(2), 'two seeds, two rounds (these two differ)');
  assert.throws(() => pickMystery(-1), /whole number/);
  assert.throws(() => pickMystery(1.5), /whole number/);
  assert.throws(() => pickMystery(2 ** 32), /whole number/);
});

test('numeric strengths: one list per numeric fault, the catalog’s example among them, each a value the flag takes; a round carries its scene', () => {
  const numeric = SCENARIOS.filter((s) => s.type === 'number');
  assert.deepEqual(Object.keys(MYSTERY_STRENGTHS).sort(), numeric.map((s) => s.flag).sort());
  for (const s of numeric) {
    const values = MYSTERY_STRENGTHS[s.flag]!;
    assert.ok(values.includes(s.onValue as number), `${s.flag}: its example ${String(s.onValue)} is a strength`);
    // Not far below the example the detective test proves the verdict names (half of it at most).
    for (const v of values) assert.ok(v > 0 && v >= (s.onValue as number) / 2, `${s.flag} ${v}`);
    if (s.unit === 'share of requests') for (const v of values) assert.ok(v <= 1);
  }
  for (const s of SCENARIOS.filter((x) => x.type === 'boolean')) assert.deepEqual(strengthsOf(s), [true]);
  const pool = SEEDS.map((seed) => pickMystery(seed)).find((p) => p.flag === 'stripe-pool-size')!;
  assert.deepEqual(pool.scene, { 'stripe-latency': 20 });
});

test('grading: right service and operation solved, right service half, wrong service wrong; for every scenario', () => {
  for (const s of SCENARIOS) {
    const right = culpritOperations(s.flag);
    assert.ok(right.length > 0, `${s.flag}: some listed operation of ${s.culprit.service} matches ${s.culprit.operation.source}`);
    for (const o of right) assert.equal(gradeAnswer(s.flag, o), 'solved', `${s.flag}: ${o.service} ${o.operation}`);
    const sameService = TRACE_OPERATIONS.filter((o) => o.service === s.culprit.service && !right.includes(o));
    assert.ok(sameService.length > 0);
    for (const o of sameService) assert.equal(gradeAnswer(s.flag, o), 'half', `${s.flag}: ${o.service} ${o.operation}`);
    for (const service of MYSTERY_SERVICES.filter((x) => x !== s.culprit.service)) {
      assert.equal(gradeAnswer(s.flag, { service, operation: right[0]!.operation }), 'wrong', `${s.flag}: ${service}`);
    }
  }
  assert.throws(() => gradeAnswer('no-such-fault', { service: 'auth', operation: 'x' }), /unknown fault/);
});

test('free text: span names as Jaeger shows them, statements, “Stripe”; case and spaces do not matter', () => {
  assert.equal(answerOperation('pg.query:SELECT paytrace'), 'pg.query:SELECT');
  assert.equal(answerOperation('  INSERT INTO balance.holds (hold_key, …)'), 'pg.query:INSERT');
  assert.equal(answerOperation('update balance.balances set balance = …'), 'pg.query:UPDATE');
  assert.equal(answerOperation('the call to Stripe'), 'POST');
  assert.equal(answerOperation('Wait for  stripe connection'), 'wait for stripe connection');
  assert.equal(answerOperation('get /accounts/me'), 'GET /accounts/me');
  assert.equal(answerOperation('something else'), 'something else');
  assert.equal(gradeAnswer('balance-velocity-check-under-lock', { service: ' Balance ', operation: 'UPDATE balance.balances SET …' }), 'solved');
  assert.equal(gradeAnswer('balance-velocity-check-under-lock', { service: 'balance', operation: 'INSERT INTO balance.holds' }), 'half');
  assert.equal(gradeAnswer('stripe-latency', { service: 'payments', operation: 'stripe' }), 'solved');
  assert.equal(gradeAnswer('stripe-latency', { service: 'payments', operation: 'POST /v1/charges' }), 'half', 'the route is not the call');
  assert.equal(gradeAnswer('stripe-pool-size', { service: 'payments', operation: 'stripe' }), 'half');
});

test('a round in a flag file: the pick on (and nothing else), answers graded and kept, solved or given up it is over, off ends it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paytrace-mystery-'));
  try {
    const file = join(dir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, file);
    writeFaults(file, { 'auth-db-latency': 40 }); // on before: a round starts from every fault off
    const seed = SEEDS.find((s) => pickMystery(s).flag === 'stripe-pool-size')!;
    const round = startMysteryRound(file, { seed, now: new Date('2026-01-02T03:04:05Z') });
    assert.deepEqual(
      Object.fromEntries([...currentFaults(file)].filter(([, v]) => !isOff(v))),
      { 'stripe-pool-size': 1, 'stripe-latency': 20 },
      'exactly the round’s fault and its scene are on',
    );
    const onDisk = JSON.parse(readFileSync(mysteryRoundFile(file), 'utf8')) as MysteryRound;
    assert.deepEqual(onDisk, {
      seed,
      flag: 'stripe-pool-size',
      value: 1,
      scene: { 'stripe-latency': 20 },
      startedAt: '2026-01-02T03:04:05.000Z',
      answers: [],
    });
    assert.deepEqual(openMysteryRound(file), round);

    assert.equal(answerMysteryRound(file, { service: 'balance', operation: 'pg.query:UPDATE' }).grade, 'wrong');
    assert.equal(answerMysteryRound(file, { service: 'payments', operation: 'POST' }).grade, 'half');
    const solved = answerMysteryRound(file, { service: 'payments', operation: 'wait for stripe connection' });
    assert.equal(solved.grade, 'solved');
    assert.deepEqual(
      solved.round.answers.map((a) => a.grade),
      ['wrong', 'half', 'solved'],
    );
    assert.equal(openMysteryRound(file), undefined, 'solved: over');
    assert.equal(mysteryRound(file)?.over?.how, 'solved');
    assert.throws(() => answerMysteryRound(file, { service: 'payments', operation: 'POST' }), /no mystery round is open/);
    const reveal = revealMysteryRound(file);
    assert.equal(reveal.scenario.flag, 'stripe-pool-size');
    assert.equal(reveal.setting, 'stripe-pool-size = 1 connections (scene: stripe-latency = 20 ms)');
    assert.deepEqual(
      reveal.operations.map((o) => o.operation),
      ['wait for stripe connection'],
    );

    // Given up: over, the fault still on to look at.
    startMysteryRound(file, { seed: 12345 });
    assert.equal(revealMysteryRound(file).round.over?.how, 'given up');
    assert.equal(openMysteryRound(file), undefined);
    assert.equal(pickMystery(12345).flag, mysteryRound(file)?.flag);

    // Switched by hand since: no longer the round's fault, so no round.
    startMysteryRound(file, { seed: 99 });
    writeFaults(file, { 'gateway-sequential-account-reads': pickMystery(99).flag !== 'gateway-sequential-account-reads' });
    assert.equal(mysteryRound(file), undefined);

    startMysteryRound(file, { seed: 99 });
    writeFileSync(mysteryRoundFile(file), '{ "seed": 99, "fl');
    assert.equal(mysteryRound(file), undefined, 'a round file cut short is no round');
    endMysteryRound(file);
    assert.equal(existsSync(mysteryRoundFile(file)), false);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(REPO_FLAG_FILE, 'utf8'), 'off: the file as committed');
    assert.throws(() => revealMysteryRound(file), /no mystery round is on/);
    assert.equal(scenario(pickMystery(99).flag)?.flag, pickMystery(99).flag);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
