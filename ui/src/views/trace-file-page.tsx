/**
 * /trace-file: open a trace someone sent, as OTLP JSON or Jaeger JSON: a file input and a drop zone
 * (trace-file.js puts a dropped file in the input and sends the form). The UI reads the file and
 * draws the same trace page as /trace/<id>, without Jaeger.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { renderPage } from './layout.js';

/** The largest trace file the UI reads (a payment's trace is ~35 KB; a 20 MB file is thousands of spans). */
export const TRACE_FILE_LIMIT_BYTES = 20 * 1024 * 1024;

function TraceFilePage() {
  return (
    <>
      <h1>Open a trace file</h1>
      <p>
        A trace downloaded from a trace page here (OTLP JSON or Jaeger JSON), from Jaeger (<code>/api/v3/traces/&lt;id&gt;</code>,{' '}
        <code>/api/traces/&lt;id&gt;</code>, Jaeger UI's JSON download) or written by an OTLP/JSON file exporter opens as the same trace page: Gantt,
        critical path, verdict. Nothing is read from Jaeger, so it works with no stack running. At most {TRACE_FILE_LIMIT_BYTES / 1024 / 1024} MB, one
        trace.
      </p>
      <form method="post" action="/trace-file" enctype="multipart/form-data" id="trace-file-form">
        <label class="drop-zone" id="drop-zone">
          <span>Drop a trace file here, or choose one:</span> <input type="file" name="trace" accept=".json,.jsonl,application/json" required />
        </label>
        <button type="submit">Open</button>
      </form>
    </>
  );
}

export function renderTraceFilePage(): string {
  return renderPage({ title: 'open a trace file', section: 'trace-file', scripts: ['trace-file.js'], children: <TraceFilePage /> });
}
