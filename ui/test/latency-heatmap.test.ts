import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render } from 'preact-render-to-string';
import { h } from 'preact';
import { heatmapGrid, LatencyHeatmap } from '../src/views/latency-heatmap.js';

test('the heatmap counts each trace once, by start time and duration on a log scale with round ends', () => {
  const fromMs = 1_000_000;
  const toMs = fromMs + 60_000;
  // 90 quick ones spread over the minute, 10 slow ones in its last second.
  const points = [
    ...Array.from({ length: 90 }, (_, i) => ({ startMs: fromMs + i * 600, durationMs: 20 + (i % 10) })),
    ...Array.from({ length: 10 }, (_, i) => ({ startMs: toMs - 1000 + i, durationMs: 700 + i })),
  ];
  const grid = heatmapGrid(points, { fromMs, toMs });
  assert.equal(grid.loMs, 20);
  assert.equal(grid.hiMs, 1000);
  assert.equal(
    grid.counts.flat().reduce((a, b) => a + b, 0),
    100,
  );
  const last = grid.counts[grid.columns - 1]!;
  // 700–709 ms on a 20 ms–1 s log axis of 24 rows: row ⌊log(35)/log(50)·24⌋ = 21.
  assert.equal(last[21], 10);
  assert.equal(grid.max, 10);
  const svg = render(h(LatencyHeatmap, { grid, slow: { fromMs: 500, toMs: Infinity } }));
  assert.match(svg, /<rect class="brush" id="brush"/);
  assert.match(svg, /data-count="10"/);
  assert.match(svg, />1 s</, 'the top tick');
});

test('no traces: an empty grid that says so', () => {
  const grid = heatmapGrid([], { fromMs: 0, toMs: 60_000 });
  assert.equal(grid.max, 0);
  assert.match(render(h(LatencyHeatmap, { grid, slow: undefined })), /no traces in this window/);
});
