/**
 * /trace/<trace_id>/compare: a slow trace against a typical one of the same route, aligned by
 * operation: the difference in each operation's critical-path time as a table (largest extra
 * first), and the slow trace's Gantt with each span's extra time hatched and labelled.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { type TraceSpan, analyzeTrace, compareTraces, formatMs, indexSpans, waterfallRows, type TraceComparison } from '@paytrace/trace-analysis';
import { Gantt } from './gantt.js';
import { renderPage } from './layout.js';
import { serviceColor } from './format.js';

interface ComparePageProps {
  comparison: TraceComparison;
  slow: TraceSpan[];
  /** How the typical trace was chosen, in words. */
  chosen: string;
}

const signed = (us: number) => `${us > 0 ? '+' : us < 0 ? '−' : '±'}${formatMs(Math.abs(us))}`;

function ComparePage({ comparison: c, slow, chosen }: ComparePageProps) {
  const analysis = analyzeTrace(slow);
  const index = indexSpans(slow);
  const rows = waterfallRows(analysis, index);
  const extra = new Map(c.differences.flatMap((d) => (d.slowSpanId && d.extraUs > 0 ? [[d.slowSpanId, d.extraUs] as const] : [])));
  const shown = c.differences.filter((d) => d.extraUs !== 0);
  return (
    <>
      <h1>
        {analysis.root.service} <code>{analysis.root.name}</code>: slow against typical
      </h1>
      <p class="meta">
        slow{' '}
        <a href={`/trace/${c.slow.traceId}`} id="slow-link">
          {c.slow.traceId}
        </a>{' '}
        <strong>{formatMs(c.slow.duration)}</strong> · typical{' '}
        <a href={`/trace/${c.typical.traceId}`} id="typical-link">
          {c.typical.traceId}
        </a>{' '}
        <strong>{formatMs(c.typical.duration)}</strong> · <strong id="extra-total">{signed(c.extraUs)}</strong>
      </p>
      <p class="legend">{chosen}</p>
      <section>
        <h2>Where the extra time went</h2>
        <p class="legend">
          Each operation's time on the critical path (what the request waited on) in both traces, matched by service, span and target (the n-th call
          with the n-th); the differences add up to the difference in duration. Largest extra first.
        </p>
        <table class="compare" id="differences">
          <thead>
            <tr>
              <th>operation</th>
              <th class="num">slow</th>
              <th class="num">typical</th>
              <th class="num">extra</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr data-service={d.service} data-category={d.category} data-span-id={d.slowSpanId ?? ''}>
                <td>
                  <span class="dot" style={`background:${serviceColor(d.service)}`} /> {d.label}
                  {d.occurrence > 1 ? ` (#${d.occurrence})` : ''}
                  {d.slowSpanId === undefined ? ' (only in the typical trace)' : d.typicalSpanId === undefined ? ' (only in the slow trace)' : ''}
                </td>
                <td class="num">{formatMs(d.slowUs)}</td>
                <td class="num">{formatMs(d.typicalUs)}</td>
                <td class={`num${d.extraUs > 0 ? ' more' : ''}`}>{signed(d.extraUs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>The slow trace, its extra time hatched</h2>
        <div class="chart">
          <Gantt rows={rows} startUs={analysis.root.startTime} durationUs={analysis.duration} extra={extra} />
        </div>
      </section>
    </>
  );
}

/** The comparison page for a slow trace and a typical one (traces Jaeger returned: at least one span each). */
export function renderComparePage(slow: TraceSpan[], typical: TraceSpan[], chosen: string): string {
  const comparison = compareTraces(slow, typical);
  return renderPage({
    title: `trace ${comparison.slow.traceId} against ${comparison.typical.traceId}`,
    section: 'traces',
    children: <ComparePage comparison={comparison} slow={slow} chosen={chosen} />,
  });
}
