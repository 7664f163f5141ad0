import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { saturationPanels } from '../src/index.js';

describe('the saturation panels', () => {
  test('each panel’s lines query one service, summed or maxed to one series', () => {
    const panels = saturationPanels('balance');
    assert.deepEqual(
      panels.map((p) => p.id),
      ['event-loop-delay', 'event-loop-utilization', 'pg-pool', 'in-flight', 'heap', 'gc'],
    );
    for (const line of panels.flatMap((p) => p.lines)) {
      assert.match(line.query, /^(sum|max)\(/, line.query);
      assert.ok(line.query.includes('service_name="balance"'), line.query);
    }
    const pool = panels.find((p) => p.id === 'pg-pool')!;
    assert.deepEqual(
      pool.lines.map((l) => l.query),
      [
        'sum(db_client_connection_count{service_name="balance",db_client_connection_state="used"})',
        'sum(db_client_connection_max{service_name="balance"})',
        'sum(db_client_connection_pending_requests{service_name="balance"})',
      ],
    );
    assert.equal(panels.find((p) => p.id === 'gc')!.lines[0]!.query, 'sum(rate(v8js_gc_duration_seconds_sum{service_name="balance"}[1m]))');
  });
});
