/** Cells every list of traces shows alike (the front page's, /search's): the services a trace crossed, and its id as a link to its page. */
/** @jsxRuntime automatic @jsxImportSource preact */
import { serviceColor } from './format.js';

/** One chip per service, in the service's colour. */
export function ServiceChips({ services }: { services: string[] }) {
  return (
    <>
      {services.map((s) => (
        <span class="chip" style={`border-color:${serviceColor(s)}`}>
          {s}
        </span>
      ))}
    </>
  );
}

/** The trace id, linking to its trace page. */
export function TraceIdLink({ traceId }: { traceId: string }) {
  return (
    <a href={`/trace/${traceId}`}>
      <code>{traceId}</code>
    </a>
  );
}
