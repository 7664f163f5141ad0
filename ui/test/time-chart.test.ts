import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'preact-render-to-string';
import { TimeChart, formatValue, linePath, niceCeiling, type TimeChartProps } from '../src/views/time-chart.js';

const RANGE = { start: 1_000, end: 1_300, stepSeconds: 5 };
const draw = (props: Partial<TimeChartProps> = {}) => render(TimeChart({ id: 'latency', range: RANGE, unit: 'seconds', lines: [], ...props }));

test('a line is one path segment per run of points, a gap where points are more than 1.5 steps apart', () => {
  const x = (t: number) => t - 1_000;
  const y = (v: number) => 100 - v;
  const d = linePath(
    [
      { t: 1_000, v: 10 },
      { t: 1_005, v: 20 },
      { t: 1_010, v: 30 },
      { t: 1_050, v: 40 },
    ],
    x,
    y,
    5,
  );
  assert.equal(d, 'M0.0 90.0L0.0 90.0L5.0 80.0L10.0 70.0 M50.0 60.0L50.0 60.0');
  assert.equal(linePath([], x, y, 5), '');
});

test('the y axis tops at a round number: 1, 2, 2.5 or 5 × 10ⁿ', () => {
  assert.deepEqual([0, 0.004, 0.011, 0.03, 0.2, 0.26, 7, 10, 11].map(niceCeiling), [1, 0.005, 0.02, 0.05, 0.2, 0.5, 10, 10, 20]);
});

test('values in their unit: requests per second, shares, milliseconds, bytes', () => {
  assert.equal(formatValue('per-second', 19.6), '20/s');
  assert.equal(formatValue('per-second', 3.96), '4.0/s');
  assert.equal(formatValue('per-second', 0.25), '0.25/s');
  assert.equal(formatValue('per-second', 0), '0/s');
  assert.equal(formatValue('ratio', 0), '0%');
  assert.equal(formatValue('ratio', 0.012), '1.2%');
  assert.equal(formatValue('seconds', 0.0421), '42.1 ms');
  assert.equal(formatValue('seconds-per-second', 0.0042), '4.2 ms/s');
  assert.equal(formatValue('seconds-per-second', 0.00025), '0.25 ms/s');
  assert.equal(formatValue('bytes', 25 * 1024 ** 2), '25.0 MiB');
  assert.equal(formatValue('count', 3), '3');
});

test('a chart draws each line in its colour, its legend with the last value, and the time axis in UTC', () => {
  const html = draw({
    lines: [
      { name: 'p50', color: '#59a14f', points: [{ t: 1_290, v: 0.01 }] },
      { name: 'p99', color: '#e15759', points: [{ t: 1_295, v: 0.02 }] },
    ],
  });
  assert.match(html, /<figure class="timechart" id="chart-latency" data-points="2">/);
  assert.equal((html.match(/<path class="line"/g) ?? []).length, 2);
  assert.match(html, /<path class="line" data-name="p99" d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+" stroke="#e15759"/);
  assert.match(html, /<span class="legend" data-name="p99">.*p99 20\.0 ms<\/span>/);
  // Ticks: 0, half the top, the top (p99's 20 ms).
  assert.match(html, />0\.0 ms<\/text>[\s\S]*>10\.0 ms<\/text>[\s\S]*>20\.0 ms<\/text>/);
  assert.match(html, />00:16:40<\/text>[\s\S]*>00:21:40 UTC<\/text>/);
  assert.doesNotMatch(html, /no data/);
});

test('no points: the chart says so instead of an empty frame', () => {
  assert.match(draw({ lines: [{ name: 'p99', color: '#000', points: [] }] }), /no data in this window/);
});

test('exemplar dots link to their trace, with their value and time as a tooltip, and count in the y axis', () => {
  const traceId = 'ab'.repeat(16);
  const html = draw({
    lines: [{ name: 'p99', color: '#e15759', points: [{ t: 1_100, v: 0.02 }] }],
    dots: [{ t: 1_150, v: 0.3, traceId, title: '300.0 ms at 00:19:10.000 UTC: trace <x>' }],
  });
  assert.match(html, new RegExp(`<a class="exemplar" href="/trace/${traceId}" data-trace-id="${traceId}"><circle cx="[\\d.]+" cy="[\\d.]+" r="3.5"`));
  // Escaped, as everything the UI renders.
  assert.ok(html.includes('<title>300.0 ms at 00:19:10.000 UTC: trace &lt;x></title>'), html);
  assert.match(html, />500\.0 ms<\/text>/, 'the top makes room for the slowest dot');
});

test('a chart of bytes tops at a round number of MiB', () => {
  const html = draw({ unit: 'bytes', lines: [{ name: 'heap used', color: '#000', points: [{ t: 1_100, v: 70 * 1024 ** 2 }] }] });
  assert.match(html, />50\.0 MiB<\/text>[\s\S]*>100\.0 MiB<\/text>/);
});

test('a value above the top is clipped to the frame, not drawn outside it', () => {
  const html = draw({ unit: 'ratio', minTop: 1, lines: [{ name: '5xx share', color: '#c62828', points: [{ t: 1_000, v: 0.5 }] }] });
  // 170 px tall, 10 on top and 22 below: a share of 0.5 of a top of 1 sits at 10 + 138 / 2.
  assert.match(html, /d="M64\.0 79\.0L64\.0 79\.0"/);
  assert.match(html, />100%<\/text>/);
});
