import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart, type ChartInput } from '../src/sampling/chart.js';

const config = (label: string, p99: number, cpu: number, maxRps?: number): ChartInput => ({
  label,
  latency_ms: { p50: p99 / 3, p95: p99 / 1.5, p99 },
  ratio_to_baseline: { achieved_rps: 1, cpu_ms_per_request: { services: cpu, machine: cpu * 0.9 } },
  ...(maxRps === undefined ? {} : { max_throughput_rps: maxRps }),
});

test('the chart has both panels with axis titles, every configuration, and the CPU ratios', async () => {
  const svg = await renderChart(
    [config('SDK disabled (baseline)', 20, 1, 400), config('traceidratio 0.01 (1%) + a long variant name', 30, 1.234, 300)],
    { rate: 150, durationS: 30, rounds: 3 },
  );
  assert.match(svg, /^<svg/);
  for (const text of [
    'latency (ms)',
    '× baseline',
    'configuration',
    'traceidratio 0.01 (1%) + a long variant name',
    'max sustained throughput',
    'service CPU per request',
    '1.23',
    '0.75',
  ]) {
    assert.ok(svg.includes(text), `the SVG shows "${text}"`);
  }
  assert.ok(!svg.includes('NaN'));
});

test('without a max-throughput search it shows the achieved throughput, and skips figures that are missing', async () => {
  const svg = await renderChart([config('SDK disabled (baseline)', 20, 1), config('traceidratio 0', NaN, 1.3)], {
    rate: 50,
    durationS: 6,
    rounds: 1,
  });
  assert.ok(svg.includes('achieved throughput'));
  assert.ok(!svg.includes('NaN'));
});
