/** How full one service is, over time: the PromQL behind the web UI's service page (event loop, pg pool, in-flight requests, heap, GC). */
import { matchers } from './red.js';

/** How a panel's numbers read: seconds, a 0–1 share, a count, bytes, or seconds per second. */
export type SaturationUnit = 'seconds' | 'ratio' | 'count' | 'bytes' | 'seconds-per-second';

export interface SaturationPanel {
  id: string;
  title: string;
  unit: SaturationUnit;
  /** Why the figure matters, in a sentence the page shows under its title. */
  meaning: string;
  /** The lines of the panel: a name and its query (one series each). */
  lines: Array<{ name: string; query: string }>;
}

/**
 * The service's saturation panels. A service runs as one process here, but a sum or a max over
 * its instances keeps each query one line if it ever runs as several: sums for what adds up
 * (connections, requests, bytes, GC time), max for what does not (delay, utilization).
 */
export function saturationPanels(service: string): SaturationPanel[] {
  const of = (extra: Array<[string, '=' | '=~', string]> = []) => matchers([['service_name', '=', service], ...extra]);
  return [
    {
      id: 'event-loop-delay',
      title: 'Event loop delay p99',
      unit: 'seconds',
      meaning: 'How late a timer fires: every request queued behind JavaScript running on the one thread waits this long.',
      lines: [{ name: 'p99', query: `max(nodejs_eventloop_delay_p99_seconds${of()})` }],
    },
    {
      id: 'event-loop-utilization',
      title: 'Event loop utilization',
      unit: 'ratio',
      meaning: 'The share of time the event loop was busy rather than idle: near 100% the process is CPU-bound.',
      lines: [{ name: 'utilization', query: `max(nodejs_eventloop_utilization_ratio${of()})` }],
    },
    {
      id: 'pg-pool',
      title: 'Postgres pool',
      unit: 'count',
      meaning: 'Connections in use against the pool’s size; pending requests are queries waiting for a connection (pool waits).',
      lines: [
        { name: 'used', query: `sum(db_client_connection_count${of([['db_client_connection_state', '=', 'used']])})` },
        { name: 'max', query: `sum(db_client_connection_max${of()})` },
        { name: 'pending', query: `sum(db_client_connection_pending_requests${of()})` },
      ],
    },
    {
      id: 'in-flight',
      title: 'In-flight requests',
      unit: 'count',
      meaning: 'Requests the service has received and not yet answered (http.server.active_requests).',
      lines: [{ name: 'in flight', query: `sum(http_server_active_requests${of()})` }],
    },
    {
      id: 'heap',
      title: 'Heap used',
      unit: 'bytes',
      meaning: 'V8’s heap in use, all spaces: a line that only climbs is a leak.',
      lines: [{ name: 'heap used', query: `sum(v8js_memory_heap_used_bytes${of()})` }],
    },
    {
      id: 'gc',
      title: 'GC time per second',
      unit: 'seconds-per-second',
      meaning: 'Seconds spent in garbage collection each second (over a minute): time the event loop could not serve requests.',
      lines: [{ name: 'gc', query: `sum(rate(v8js_gc_duration_seconds_sum${of()}[1m]))` }],
    },
  ];
}
