/**
 * Jaeger's JSON trace (what its `/api/traces/{id}` gives, and Jaeger UI's "JSON file" upload reads)
 * and the flat, typed span the analysis reads, TraceSpan.
 */

/** A span as the analysis reads it: Jaeger's span with its tags as an object, its parent and links apart. */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  service: string;
  name: string;
  kind: string | undefined;
  /** Microseconds since the epoch (Jaeger's unit). */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: Record<string, unknown>;
  /**
   * Links: every reference but the parent. Jaeger shows an OTLP span link as a FOLLOWS_FROM
   * reference (say, a reconciliation run's link to its payment's request, in another trace); a
   * span whose references are all links has no parent in the trace: it is a root.
   */
  links: Array<{ traceId: string; spanId: string }>;
  logs: Array<Record<string, unknown>>;
  /** The process's resource attributes (Jaeger's process tags: process.pid, host.name, service.version…), when known. */
  resource?: Record<string, unknown>;
}

/** A tag, a process tag or a log field: `type` is string, int64, float64, bool or binary. */
export interface JaegerKeyValue {
  key: string;
  type?: string;
  value: unknown;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  /** µs since the epoch */
  startTime: number;
  /** µs */
  duration: number;
  tags: JaegerKeyValue[];
  logs: Array<{ timestamp?: number; fields: JaegerKeyValue[] }>;
  processID: string;
  warnings?: string[] | null;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags?: JaegerKeyValue[] }>;
  warnings?: string[] | null;
}

const tagsOf = (tags: JaegerKeyValue[]) => Object.fromEntries(tags.map((t) => [t.key, t.value]));

/**
 * Jaeger's JSON trace as flat spans with parent ids: the parent is the CHILD_OF reference inside
 * the trace, wherever it is listed; any other reference (FOLLOWS_FROM, or to another trace) is a link.
 */
export function toSpans(trace: JaegerTrace): TraceSpan[] {
  return trace.spans.map((s) => {
    const parent = s.references.find((r) => r.refType === 'CHILD_OF' && r.traceID === s.traceID);
    const tags = tagsOf(s.tags);
    const process = trace.processes[s.processID]!;
    return {
      traceId: s.traceID,
      spanId: s.spanID,
      parentSpanId: parent?.spanID,
      service: process.serviceName,
      name: s.operationName,
      kind: tags['span.kind'] as string | undefined,
      startTime: s.startTime,
      duration: s.duration,
      tags,
      links: s.references.filter((r) => r !== parent).map((r) => ({ traceId: r.traceID, spanId: r.spanID })),
      logs: s.logs.map((l) => tagsOf(l.fields)),
      ...(process.tags ? { resource: tagsOf(process.tags) } : {}),
    };
  });
}
