/**
 * A trace someone sent as a file, in either format a trace is shared in: OTLP JSON (what /api/v3,
 * the OTLP/JSON file exporter and the Collector's file exporter write: `{"resourceSpans": …}`, one
 * object or one per line; /api/v3's `{"result": …}` too) or Jaeger's JSON (`{"data": [trace]}` as
 * /api/traces/{id} gives and Jaeger UI downloads, or the bare trace). Read into TraceSpans, checked.
 */
import { toSpans, type JaegerTrace, type TraceSpan } from './jaeger-json.js';
import { otlpToSpans, type OtlpTraces } from './otlp-json.js';

/** A file that is not one trace in a format this reads: its message says what was wrong, for the reader. */
export class TraceFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFileError';
  }
}

export interface TraceFile {
  format: 'otlp' | 'jaeger';
  spans: TraceSpan[];
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The JSON values in the text: one document, or one per line (the file exporters' JSON lines). */
function documents(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch (err) {
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) throw new TraceFileError(`The file is not JSON (${(err as Error).message}).`);
    return lines.map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (lineErr) {
        throw new TraceFileError(`Line ${i + 1} of the file is not JSON (${(lineErr as Error).message}).`);
      }
    });
  }
}

function read(docs: unknown[]): TraceFile {
  const otlp = docs.map((d) => (isObject(d) && isObject(d.result) ? d.result : d));
  if (otlp.every((d) => isObject(d) && Array.isArray(d.resourceSpans))) {
    const merged: OtlpTraces = { resourceSpans: otlp.flatMap((d) => (d as unknown as OtlpTraces).resourceSpans) };
    return { format: 'otlp', spans: otlpToSpans(merged) };
  }
  const [doc] = docs;
  if (docs.length === 1 && isObject(doc)) {
    const traces = Array.isArray(doc.data) ? (doc.data as unknown[]) : isObject(doc) && Array.isArray(doc.spans) ? [doc] : undefined;
    if (traces) {
      if (traces.length !== 1) throw new TraceFileError(`The file holds ${traces.length} Jaeger traces; open a file with one.`);
      const trace = traces[0] as JaegerTrace;
      if (!isObject(trace) || !Array.isArray(trace.spans) || !isObject(trace.processes)) {
        throw new TraceFileError('The Jaeger trace has no "spans" list or no "processes".');
      }
      for (const s of trace.spans) {
        if (!isObject(trace.processes[s?.processID])) {
          throw new TraceFileError(`Span ${s?.spanID} names a process (${s?.processID}) the trace does not list.`);
        }
        if (!Array.isArray(s.references) || !Array.isArray(s.tags) || !Array.isArray(s.logs)) {
          throw new TraceFileError(`Span ${s.spanID} lacks Jaeger's "references", "tags" or "logs" lists.`);
        }
      }
      return { format: 'jaeger', spans: toSpans(trace) };
    }
  }
  throw new TraceFileError(
    'The file is neither OTLP JSON (an object with "resourceSpans") nor Jaeger JSON (an object with "data": [a trace], or a trace with "spans").',
  );
}

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;

/** Every span whole: ids in hex, a name and a service, times as numbers; one trace id. */
function check(file: TraceFile): TraceFile {
  if (file.spans.length === 0) throw new TraceFileError('The file holds no spans.');
  for (const s of file.spans) {
    const what = `span ${JSON.stringify(s.spanId)}`;
    if (!HEX_TRACE_ID.test(s.traceId) || !HEX_SPAN_ID.test(s.spanId)) throw new TraceFileError(`The ${what} has no valid trace id or span id.`);
    if (typeof s.name !== 'string' || typeof s.service !== 'string') throw new TraceFileError(`The ${what} has no name or no service.`);
    if (!Number.isFinite(s.startTime) || !Number.isFinite(s.duration) || s.duration < 0) {
      throw new TraceFileError(`The ${what} has no start time or duration.`);
    }
  }
  const traceIds = new Set(file.spans.map((s) => s.traceId));
  if (traceIds.size > 1) throw new TraceFileError(`The file holds spans of ${traceIds.size} traces; open a file with one.`);
  return file;
}

/** The trace in a file's text (OTLP JSON or Jaeger JSON), or a TraceFileError that says why not. */
export function parseTraceFile(text: string): TraceFile {
  try {
    return check(read(documents(text)));
  } catch (err) {
    if (err instanceof TraceFileError) throw err;
    throw new TraceFileError(`The file is not a trace this can read (${(err as Error).message}).`);
  }
}
