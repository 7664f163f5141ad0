import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError, ROOT } from '@paytrace/devstack';
import { findOnPath, loadGenerator, parseGeneratorName } from '../src/load/generator.js';
import { parseK6Summary } from '../src/load/k6.js';
import { LATE_MS, percentile, summariseRecords } from '../src/load/load-result.js';
import { parseVegetaResults, vegetaTargets } from '../src/load/vegeta.js';

/** A line of `vegeta encode --to json` (the fields it writes, as v12.13.0 writes them). */
const line = (seq: number, index: number, code: number, atMs: number, latencyMs: number, flags?: string) =>
  JSON.stringify({
    attack: '',
    seq,
    code,
    timestamp: new Date(Date.UTC(2026, 10, 30, 12, 0, 0) + atMs).toISOString(),
    latency: latencyMs * 1e6,
    bytes_out: 40,
    bytes_in: 0,
    error: code === 0 ? 'connection refused' : '',
    body: null,
    method: 'POST',
    url: `http://127.0.0.1:8080/process-payment#${index}`,
    headers:
      flags === undefined ? null : { 'Content-Type': ['application/json'], Traceresponse: [`00-${'a'.repeat(32)}-${'b'.repeat(16)}-${flags}`] },
  });

describe("Vegeta's results", () => {
  test('each result is matched to its request of the mix by the fragment, not by its sequence number', () => {
    // At 10/s: seq 0 at 0 ms, seq 1 at 100 ms … (Vegeta's targeter may hand out targets in another order).
    const text = [
      line(1, 0, 201, 100, 20, '01'),
      line(0, 18, 402, 0, 5, '00'),
      line(2, 19, 400, 200, 3, '00'),
      line(3, 1, 503, 300 + LATE_MS + 50, 40, '00'), // a payment refused, and sent late
      line(4, 2, 0, 400, 1),
    ].join('\n');
    const { records, sendSpanS } = parseVegetaResults(`${text}\n`, 10);
    assert.deepEqual(
      records.map((r) => [r.kind, r.status, r.expectedStatus]),
      [
        ['insufficient_funds', 402, 402],
        ['payment', 201, 201],
        ['invalid', 400, 400],
        ['payment', 503, 201],
        ['payment', 0, 201],
      ],
    );
    assert.deepEqual(
      records.map((r) => Math.round(r.lateMs)),
      [0, 0, 0, LATE_MS + 50, 0],
    );
    assert.deepEqual(
      records.map((r) => r.sampled),
      [false, true, false, false, undefined],
    );
    assert.equal(sendSpanS, 0.45);

    const result = summariseRecords('vegeta', records, { scheduled: 6, sendSpanS });
    assert.equal(result.generator, 'vegeta');
    assert.equal(result.requests, 5);
    assert.equal(result.errorRate, 2 / 5, 'the 503 and the refused connection; 402 and 400 are what their kinds expect');
    assert.equal(result.droppedIterations, 2, 'one sent late, one never sent');
    assert.deepEqual([result.p50, result.p99], [20, percentile([1, 20, 40], 0.99)], 'payments only');
    assert.deepEqual(result.waitingBySampling, { sampled: { count: 1, p50: 20, p95: 20, p99: 20 }, unsampled: null });
    assert.ok(Math.abs(result.achievedRps - 4 / 0.45) < 1e-9);
  });

  test('targets: one per request, never wrapping around to an Idempotency-Key already used', () => {
    const lines = vegetaTargets('http://127.0.0.1:1', 45, 'abc').trim().split('\n');
    assert.equal(lines.length, 45);
    const keys = lines.map((l) => (JSON.parse(l) as { header: Record<string, string[]> }).header['Idempotency-Key']![0]);
    assert.equal(new Set(keys).size, 45);
    assert.equal(keys[44], 'vegeta-abc-44');
  });

  test('percentiles interpolate between ranks as k6 does', () => {
    assert.equal(percentile([10, 20, 30, 40], 0.5), 25);
    assert.equal(percentile([10], 0.99), 10);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });
});

describe('k6 summary', () => {
  test("the payments' latency, TTFB and the sampled/unsampled split", () => {
    const result = parseK6Summary({
      metrics: {
        http_reqs: { values: { count: 600, rate: 49.8 } },
        'http_req_duration{kind:payment}': { values: { med: 10, 'p(95)': 20, 'p(99)': 30 } },
        'http_req_waiting{kind:payment}': { values: { med: 9, 'p(95)': 19, 'p(99)': 29 } },
        payment_waiting_sampled: { values: { count: 6, med: 9.5, 'p(95)': 18, 'p(99)': 18 } },
        payment_waiting_unsampled: { values: { count: 0 } },
        http_req_failed: { values: { rate: 0.001 } },
      },
    });
    assert.equal(result.generator, 'k6');
    assert.equal(result.requests, 600);
    assert.equal(result.achievedRps, 49.8);
    assert.deepEqual([result.p50, result.p95, result.p99], [10, 20, 30]);
    assert.deepEqual(result.waiting, { p50: 9, p95: 19, p99: 29 });
    assert.deepEqual(result.waitingBySampling, { sampled: { count: 6, p50: 9.5, p95: 18, p99: 18 }, unsampled: null });
    assert.equal(result.errorRate, 0.001);
    assert.equal(result.droppedIterations, 0, 'absent: none dropped');
  });
});

describe('choosing the generator', () => {
  test('k6 only from the PATH: a clear usage error when it is not there', () => {
    const saved = process.env.PATH;
    const empty = mkdtempSync(join(tmpdir(), 'paytrace-path-'));
    try {
      process.env.PATH = empty;
      assert.throws(
        () => loadGenerator('k6'),
        (err: Error) => err instanceof UsageError && /no k6 on the PATH/.test(err.message) && /AGPL/.test(err.message),
      );
      const k6 = join(empty, 'k6');
      writeFileSync(k6, '#!/bin/sh\n');
      chmodSync(k6, 0o755);
      assert.deepEqual(loadGenerator('k6'), { name: 'k6', binary: k6 });
    } finally {
      process.env.PATH = saved;
    }
  });

  test('findOnPath skips files that are not executable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paytrace-path-'));
    writeFileSync(join(dir, 'tool'), '');
    assert.equal(findOnPath('tool', dir), undefined);
    chmodSync(join(dir, 'tool'), 0o755);
    assert.equal(findOnPath('tool', `/nonexistent:${dir}`), join(dir, 'tool'));
  });

  test('--generator takes vegeta or k6', () => {
    assert.equal(parseGeneratorName('k6'), 'k6');
    assert.throws(() => parseGeneratorName('locust'), UsageError);
  });
});

test('nothing in the repository fetches or builds k6 (AGPL-3.0): no file names its Go module', () => {
  const module = ['go.k6.io', 'k6'].join('/'); // spelled apart, so this file does not name it either
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !/\.(png|svg|jpg)$/.test(f));
  assert.ok(files.length > 100, `${files.length} files listed`);
  const naming = files.filter((f) => {
    try {
      return readFileSync(join(ROOT, f), 'utf8').includes(module);
    } catch {
      return false; // listed but deleted in the work tree
    }
  });
  assert.deepEqual(naming, []);
});
