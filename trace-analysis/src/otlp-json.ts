/**
 * OTLP/JSON traces (`{"resourceSpans": [...]}`: what Jaeger's stable API /api/v3 answers inside its
 * `result`, and what the OTLP/JSON file exporters write) as Jaeger's JSON trace and as TraceSpans.
 * The conversion is Jaeger's own (its v1 adapter, the Collector's jaeger translator v0.140), so the
 * analysis reads a trace from /api/v3 exactly as it read it from /api/traces: tags are the
 * attributes plus otel.scope.name/version, span.kind, otel.status_code, error=true on an ERROR
 * span, otel.status_description and w3c.tracestate; events are logs with an `event` field; links
 * are FOLLOWS_FROM references; the resource (less service.name) is the process's tags.
 */
import { toSpans, type JaegerKeyValue, type JaegerSpan, type JaegerTrace, type TraceSpan } from './jaeger-json.js';

export interface OtlpAnyValue {
  stringValue?: string;
  /** int64: a string in proto3 JSON (Jaeger writes "17451"), a number from some writers. */
  intValue?: string | number;
  doubleValue?: number | string;
  boolValue?: boolean;
  /** base64 */
  bytesValue?: string;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
type Nanos = string | number;
export interface OtlpSpan {
  /** 32 hex digits (OTLP/JSON), or base64 (a plain protobuf JSON writer). */
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  /** 0–5, or its enum name (SPAN_KIND_SERVER). */
  kind?: number | string;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes?: OtlpKeyValue[];
  events?: Array<{ timeUnixNano?: Nanos; name?: string; attributes?: OtlpKeyValue[] }>;
  links?: Array<{ traceId: string; spanId: string; attributes?: OtlpKeyValue[] }>;
  status?: { code?: number | string; message?: string };
}
export interface OtlpTraces {
  resourceSpans: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }>;
  }>;
}

/** Jaeger's name for a resource without service.name. */
const NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
/** Jaeger's own span attributes (the adjusters' warnings, the wire format), never shown as tags. */
const JAEGER_WARNINGS = '@jaeger@warnings';
const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'];
const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** An id as lower-case hex: OTLP/JSON writes hex; a protobuf JSON writer writes base64 (24 or 12 characters). */
export function hexId(id: string | undefined, bytes: 16 | 8): string {
  if (!id) return '';
  if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
  const hex = Buffer.from(id, 'base64').toString('hex');
  if (hex.length !== bytes * 2) throw new Error(`"${id}" is not a ${bytes}-byte id in hex or base64`);
  return hex;
}

const enumOf = (v: number | string | undefined, names: Record<string, number>) => (typeof v === 'string' ? (names[v] ?? Number(v)) : (v ?? 0));

/** Nanoseconds (a decimal string, exact) to Jaeger's whole microseconds. */
const micros = (ns: Nanos | undefined) => Number(BigInt(ns ?? 0) / 1000n);

/** A value as pcommon's AsRaw gives it, for the JSON Jaeger writes for an array or a map (keys sorted, as Go does). */
function raw(v: OtlpAnyValue | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(raw);
  if (v.kvlistValue) {
    const entries = (v.kvlistValue.values ?? []).map((kv) => [kv.key, raw(kv.value)] as const);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return null;
}

/** An attribute as Jaeger's tag: arrays and maps become their JSON as a string. */
export function jaegerTag(key: string, v: OtlpAnyValue | undefined): JaegerKeyValue {
  if (v?.intValue !== undefined) return { key, type: 'int64', value: Number(v.intValue) };
  if (v?.doubleValue !== undefined) return { key, type: 'float64', value: Number(v.doubleValue) };
  if (v?.boolValue !== undefined) return { key, type: 'bool', value: v.boolValue };
  if (v?.bytesValue !== undefined) return { key, type: 'binary', value: v.bytesValue };
  if (v?.arrayValue || v?.kvlistValue) return { key, type: 'string', value: JSON.stringify(raw(v)) };
  return { key, type: 'string', value: v?.stringValue ?? '' };
}

const str = (key: string, value: string): JaegerKeyValue => ({ key, type: 'string', value });

function spanTags(span: OtlpSpan, scope: { name?: string; version?: string } | undefined): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  if (scope?.name) tags.push(str('otel.scope.name', scope.name));
  if (scope?.version) tags.push(str('otel.scope.version', scope.version));
  for (const a of span.attributes ?? []) if (a.key !== JAEGER_WARNINGS) tags.push(jaegerTag(a.key, a.value));
  const kind = SPAN_KINDS[enumOf(span.kind, KIND_NAMES)];
  if (kind) tags.push(str('span.kind', kind));
  const status = enumOf(span.status?.code, STATUS_NAMES);
  if (status === 1) tags.push(str('otel.status_code', 'OK'));
  if (status === 2) tags.push(str('otel.status_code', 'ERROR'), { key: 'error', type: 'bool', value: true });
  if (span.status?.message) tags.push(str('otel.status_description', span.status.message));
  if (span.traceState) tags.push(str('w3c.tracestate', span.traceState));
  return tags;
}

/** The parent as the first CHILD_OF reference, then each link (FOLLOWS_FROM unless it says child_of); a link to the parent only retypes it. */
function references(span: OtlpSpan, traceId: string): JaegerSpan['references'] {
  const refs: JaegerSpan['references'] = [];
  const parent = hexId(span.parentSpanId, 8);
  if (parent) refs.push({ refType: 'CHILD_OF', traceID: traceId, spanID: parent });
  for (const link of span.links ?? []) {
    const ref = { traceID: hexId(link.traceId, 16), spanID: hexId(link.spanId, 8) };
    const refType = link.attributes?.find((a) => a.key === 'opentracing.ref_type')?.value?.stringValue === 'child_of' ? 'CHILD_OF' : 'FOLLOWS_FROM';
    if (parent && ref.traceID === traceId && ref.spanID === parent) refs[0]!.refType = refType;
    else refs.push({ refType, ...ref });
  }
  return refs;
}

function jaegerSpan(span: OtlpSpan, scope: { name?: string; version?: string } | undefined, processID: string): JaegerSpan {
  const traceID = hexId(span.traceId, 16);
  const warnings = span.attributes?.find((a) => a.key === JAEGER_WARNINGS)?.value?.arrayValue?.values?.map((v) => String(raw(v)));
  const startTime = micros(span.startTimeUnixNano);
  return {
    traceID,
    spanID: hexId(span.spanId, 8),
    operationName: span.name,
    references: references(span, traceID),
    startTime,
    duration: Math.max(0, Number((BigInt(span.endTimeUnixNano ?? 0) - BigInt(span.startTimeUnixNano ?? 0)) / 1000n)),
    tags: spanTags(span, scope),
    logs: (span.events ?? []).map((e) => ({
      timestamp: micros(e.timeUnixNano),
      fields: [
        ...(e.name && !e.attributes?.some((a) => a.key === 'event') ? [str('event', e.name)] : []),
        ...(e.attributes ?? []).map((a) => jaegerTag(a.key, a.value)),
      ],
    })),
    processID,
    warnings: warnings?.length ? warnings : null,
  };
}

/**
 * OTLP/JSON as Jaeger's JSON traces, one per trace id in the order they first appear (a search's
 * answer holds many), each with its processes numbered p1, p2… as Jaeger numbers them.
 */
export function otlpToJaegerTraces(otlp: OtlpTraces): JaegerTrace[] {
  const traces = new Map<string, JaegerTrace & { processKeys: Map<string, string> }>();
  for (const rs of otlp.resourceSpans ?? []) {
    const attributes = rs.resource?.attributes ?? [];
    const serviceName = attributes.find((a) => a.key === 'service.name')?.value?.stringValue ?? NO_SERVICE_NAME;
    const process = { serviceName, tags: attributes.filter((a) => a.key !== 'service.name').map((a) => jaegerTag(a.key, a.value)) };
    const processKey = JSON.stringify(process);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const traceID = hexId(span.traceId, 16);
        let trace = traces.get(traceID);
        if (!trace) traces.set(traceID, (trace = { traceID, spans: [], processes: {}, warnings: null, processKeys: new Map() }));
        let processID = trace.processKeys.get(processKey);
        if (!processID) {
          processID = `p${trace.processKeys.size + 1}`;
          trace.processKeys.set(processKey, processID);
          trace.processes[processID] = process;
        }
        trace.spans.push(jaegerSpan(span, ss.scope, processID));
      }
    }
  }
  return [...traces.values()].map(({ processKeys: _, ...trace }) => trace);
}

/** OTLP/JSON as TraceSpans, grouped by trace (a search's answer holds many traces). */
export function otlpToTraces(otlp: OtlpTraces): TraceSpan[][] {
  return otlpToJaegerTraces(otlp).map(toSpans);
}

/** OTLP/JSON holding one trace as its TraceSpans (every span, whatever its trace id). */
export function otlpToSpans(otlp: OtlpTraces): TraceSpan[] {
  return otlpToTraces(otlp).flat();
}
