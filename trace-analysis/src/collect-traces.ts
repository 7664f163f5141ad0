/** The traces the detective reads: collectTraces() fetches them by id or by recent window from Jaeger, once they have settled. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { JaegerClient, TraceSpan } from './jaeger-client.js';

/** Which traces the detective reads from Jaeger. */
export type TraceSelection =
  | { traceIds: string[] }
  | {
      /** Traces that started in the last `sinceMs`. */
      sinceMs: number;
      /** The root's service and span name (default: the gateway's `POST /process-payment`). */
      service?: string;
      operation?: string;
      /** At most this many, the most recent first (default 500). */
      limit?: number;
    };

export interface CollectOptions {
  /**
   * Spans reach Jaeger in batches from each process (OTEL_BSP_SCHEDULE_DELAY, 5 s by default), so
   * a trace seen too early lacks the children that explain its time. Wait this long after the
   * newest request before reading (default 6000 ms; a stack exporting every 100 ms needs ~1500).
   */
  settleMs?: number;
  /** Fetches in flight at once (default 8). */
  parallel?: number;
}

/** The selected traces, each as flat spans; traces Jaeger does not have are left out. */
export async function collectTraces(jaeger: JaegerClient, selection: TraceSelection, options: CollectOptions = {}): Promise<TraceSpan[][]> {
  // The window ends when asked; the wait only lets its last traces arrive whole.
  const toMs = Date.now();
  await sleep(options.settleMs ?? 6_000);
  if ('sinceMs' in selection) {
    return jaeger.searchTraces({
      service: selection.service ?? 'gateway',
      operation: selection.operation ?? 'POST /process-payment',
      fromMs: toMs - selection.sinceMs,
      toMs,
      limit: selection.limit ?? 500,
    });
  }
  const traces: TraceSpan[][] = [];
  const queue = [...selection.traceIds];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const spans = await jaeger.getTrace(id);
      if (spans) traces.push(spans);
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, worker));
  return traces;
}

/** `30s`, `2m`, `500ms` or a plain number of seconds, as milliseconds; undefined if unreadable. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000;
  return ms > 0 ? ms : undefined;
}
