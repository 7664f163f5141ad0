import { setTimeout as sleep } from 'node:timers/promises';
import { jaegerUrl } from './env.js';

/** A span as Jaeger's query API (`/api/traces/{id}`) returns it, with its tags as an object. */
export interface TraceSpan {
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  name: string;
  kind: string | undefined;
  startTime: number;
  duration: number;
  tags: Record<string, unknown>;
  /** Links (Jaeger shows them as FOLLOWS_FROM references, or references to another trace). */
  links: Array<{ traceId: string; spanId: string }>;
  logs: Array<Record<string, unknown>>;
}

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: Array<{ key: string; value: unknown }>;
  logs: Array<{ fields: Array<{ key: string; value: unknown }> }>;
  processID: string;
}

interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

const tagsOf = (tags: Array<{ key: string; value: unknown }>) => Object.fromEntries(tags.map((t) => [t.key, t.value]));

function toSpans(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((s) => {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === s.traceID);
    const tags = tagsOf(s.tags);
    return {
      spanId: s.spanID,
      parentSpanId: parent?.spanID,
      service: trace.processes[s.processID]!.serviceName,
      name: s.operationName,
      kind: tags['span.kind'] as string | undefined,
      startTime: s.startTime,
      duration: s.duration,
      tags,
      links: s.references.filter((r) => r !== parent).map((r) => ({ traceId: r.traceID, spanId: r.spanID })),
      logs: s.logs.map((l) => tagsOf(l.fields)),
    };
  });
}

/** The trace as Jaeger holds it now, or undefined (404). */
export async function getTrace(traceId: string): Promise<TraceSpan[] | undefined> {
  const res = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`Jaeger answered ${res.status} for trace ${traceId}`);
  const body = (await res.json()) as { data: JaegerTrace[] };
  return body.data[0] ? toSpans(body.data[0]) : undefined;
}

/**
 * Waits until the trace is in Jaeger and has stopped growing (spans arrive in batches from four
 * processes through the Collector), then returns it.
 */
export async function waitForTrace(traceId: string, options: { minSpans?: number; timeoutMs?: number } = {}): Promise<TraceSpan[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let last: TraceSpan[] | undefined;
  let stableSince = 0;
  while (Date.now() < deadline) {
    const spans = await getTrace(traceId);
    if (spans && spans.length >= (options.minSpans ?? 1)) {
      if (last && last.length === spans.length) {
        if (Date.now() - stableSince >= 1_000) return spans;
      } else {
        stableSince = Date.now();
      }
      last = spans;
    }
    await sleep(150);
  }
  throw new Error(`trace ${traceId} not complete in Jaeger after ${options.timeoutMs ?? 20_000} ms (${last?.length ?? 0} spans)`);
}

export async function jaegerServices(): Promise<string[]> {
  const res = await fetch(`${jaegerUrl}/api/services`);
  return ((await res.json()) as { data: string[] | null }).data ?? [];
}

/** Prints a trace as an indented tree, for assertion messages. */
export function describeTrace(spans: TraceSpan[]): string {
  const children = new Map<string | undefined, TraceSpan[]>();
  for (const s of spans) children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  const t0 = Math.min(...spans.map((s) => s.startTime));
  const lines: string[] = [];
  const walk = (s: TraceSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${s.service} ${s.kind ?? '-'} "${s.name}" +${((s.startTime - t0) / 1000).toFixed(1)}ms ${(s.duration / 1000).toFixed(1)}ms`);
    for (const c of (children.get(s.spanId) ?? []).sort((a, b) => a.startTime - b.startTime)) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines.join('\n');
}
