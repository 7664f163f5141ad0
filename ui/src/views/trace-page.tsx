/**
 * /trace/<trace_id>: one request as the lesson's Gantt with its critical path, what each span did
 * itself (self time), the waits around each hop, the verdict, each span's attributes and events on
 * click, and the chart as Mermaid. A payment's trace lists the reconciliation runs that settled it
 * later; a reconciliation run's trace links back to the payment's request.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import {
  type TraceSpan,
  analyzeTrace,
  indexSpans,
  targetOf,
  toMermaidGantt,
  verdictForTrace,
  waterfallRows,
  type TraceAnalysis,
  type TraceIndex,
  type WaterfallRow,
  type SpanPercentile,
  formatMs,
} from '@paytrace/trace-analysis';
import { paymentOf, reconciliationOf, type Reconciliation, type Settlements } from '../payment-traces.js';
import { summarize, type TraceSummary } from '../traces.js';
import { clock, isoTime, pct, serviceColor } from './format.js';
import { Gantt } from './gantt.js';
import { renderPage } from './layout.js';
import { Reconciles, RunOutcome, SettledLater } from './settlement.js';
import { SpanDetails, standing, standingTitle } from './span-details.js';

export { standing, standingTitle };

interface TracePageProps {
  summary: TraceSummary;
  analysis: TraceAnalysis;
  index: TraceIndex;
  rows: WaterfallRow[];
  verdict: string;
  mermaid: string;
  /** Showing every span (Fastify's plumbing too)? */
  all: boolean;
  /** The same trace in Jaeger's UI, when one is configured. */
  jaegerUiUrl: string | undefined;
  /** A payment's trace: its reconciliation runs (or why they could not be searched). */
  settlements: Settlements | undefined;
  /** A reconciliation run's trace: what it reconciled. */
  reconciliation: Reconciliation | undefined;
  /** Where each span's duration ranks among the same operation's spans in the route's recent traces. */
  percentiles: SpanStanding | undefined;
  /** A trace opened from a file (/trace-file): nothing on the page reads Jaeger. */
  file: TraceFileSource | undefined;
}

/** Where a trace opened from a file came from. */
export interface TraceFileSource {
  name: string;
  format: 'otlp' | 'jaeger';
}

/** Why the parts that search Jaeger are missing on a trace from a file. */
const FILE_NO_JAEGER = 'not available for a trace opened from a file: it needs the recent traces in Jaeger';

/** Each span's percentile among the same operation's spans of the route's traces in the minutes before this one, or why there is none. */
export type SpanStanding = { ranks: Map<string, SpanPercentile>; traces: number; windowMin: number; capped: boolean } | { error: string };

/** The legend's words for where the ranks come from. */
export const standingNote = (p: SpanStanding) =>
  'error' in p
    ? `(not available: ${p.error})`
    : `in the ${p.traces} traces of this route in the ${p.windowMin} min before it${p.capped ? ' (the newest only: the search was capped)' : ''}, e.g. p97: longer than 97% of them`;

function TracePage({
  summary,
  analysis,
  index,
  rows,
  verdict,
  mermaid,
  all,
  jaegerUiUrl,
  settlements,
  reconciliation,
  percentiles,
  file,
}: TracePageProps) {
  const root = analysis.root;
  const startUs = root.startTime;
  return (
    <>
      <h1>
        {root.service} <code>{root.name}</code>
      </h1>
      <p class="meta">
        trace <code id="trace-id">{summary.traceId}</code> · started <time datetime={isoTime(summary.startMs)}>{clock(summary.startMs)}</time> ·{' '}
        <strong>{formatMs(summary.durationUs)}</strong> ·{' '}
        {reconciliation ? (
          // Not an HTTP request: its outcome is the reconciler's, not a status code's.
          <RunOutcome run={reconciliation} />
        ) : (
          <span class={`outcome ${summary.outcome}`}>{`${summary.outcome}${summary.statusCode ? ` (${summary.statusCode})` : ''}`}</span>
        )}{' '}
        · {index.spans.length} spans · {summary.services.join(', ')}
        {file ? (
          <>
            {' '}
            · from the file <code id="trace-file-name">{file.name}</code> ({file.format === 'otlp' ? 'OTLP JSON' : 'Jaeger JSON'})
          </>
        ) : (
          <>
            {jaegerUiUrl ? (
              <>
                {' '}
                · <a href={`${jaegerUiUrl}/trace/${summary.traceId}`}>open in Jaeger UI</a>
              </>
            ) : null}{' '}
            ·{' '}
            <a href={`/trace/${summary.traceId}/compare`} id="compare-link">
              compare with a typical trace
            </a>{' '}
            · download as{' '}
            <a href={`/trace/${summary.traceId}/otlp.json`} id="download-otlp" download>
              OTLP JSON
            </a>{' '}
            or{' '}
            <a href={`/trace/${summary.traceId}/jaeger.json`} id="download-jaeger" download>
              Jaeger JSON
            </a>
          </>
        )}
      </p>
      {reconciliation ? <Reconciles run={reconciliation} /> : null}
      {settlements ? <SettledLater settlements={settlements} startMs={summary.startMs} /> : null}
      {file && paymentOf(index.spans) ? (
        <p class="hint" id="settlement-search">
          Settled later? {FILE_NO_JAEGER} (the reconciler's runs are traces of their own).
        </p>
      ) : null}
      <section class="verdict" id="verdict">
        <h2>Verdict</h2>
        <p>{verdict}</p>
        <p class="path-by-service">
          Critical path by service:{' '}
          {analysis.onPath.services.map((s) => (
            <span class="chip" style={`border-color:${serviceColor(s.service)}`}>
              {s.service} {formatMs(s.us)} ({pct(s.share)})
            </span>
          ))}
        </p>
      </section>
      <section>
        <h2>Waterfall</h2>
        <p class="legend">
          <span class="swatch crit" /> critical path: what the request waited on, end to end · <span class="swatch off" /> ran alongside something
          slower · click a bar for its attributes and events ·{' '}
          {file ? (
            // A file's page is the answer to a post: there is no URL to add ?all=1 to.
            `Fastify's plumbing hidden (${index.spans.length} spans in the file)`
          ) : all ? (
            <a href="?">hide Fastify's plumbing</a>
          ) : (
            <a href="?all=1">show every span ({index.spans.length})</a>
          )}
        </p>
        <div class="chart">
          <Gantt rows={rows} startUs={startUs} durationUs={root.duration} />
        </div>
      </section>
      <section>
        <h2>Spans</h2>
        <p class="legend">
          Start from the request's start; self: time in no child span (with the plumbing hidden, a route counts its plumbing's); rank: where its
          duration stands among the same operation's spans{' '}
          {file ? (
            <span class="rank-note">({FILE_NO_JAEGER})</span>
          ) : (
            <span id="rank-note">
              {percentiles === undefined ? "in the route's recent traces (read after the page, from Jaeger)" : standingNote(percentiles)}
            </span>
          )}
          .
        </p>
        <div class="spans">
          <div class="spans-head">
            <span />
            <span class="svc">service</span>
            <span class="name">span</span>
            <span class="num">start</span>
            <span class="num">duration</span>
            <span class="num">self</span>
            <span class="num">rank</span>
            <span class="flag" />
          </div>
          {rows.map((row) => (
            <SpanDetails
              row={row}
              startUs={startUs}
              rank={percentiles && 'ranks' in percentiles ? percentiles.ranks.get(row.span.spanId) : undefined}
              windowMin={percentiles && 'windowMin' in percentiles ? percentiles.windowMin : 0}
            />
          ))}
        </div>
      </section>
      {analysis.hops.length > 0 ? (
        <section>
          <h2>Waits around each hop</h2>
          <p class="legend">
            Before: from the caller's CLIENT span starting to the callee's SERVER span starting (pool queueing, the network in). After: from the
            callee finishing to the caller having the answer.
          </p>
          <table class="hops">
            <thead>
              <tr>
                <th>caller → callee</th>
                <th class="num">before</th>
                <th class="num">after</th>
              </tr>
            </thead>
            <tbody>
              {analysis.hops.map((hop) => (
                <tr>
                  <td>
                    {hop.client.service} → {targetOf(hop.client, index) ?? hop.server.service}
                  </td>
                  <td class="num">{formatMs(hop.before)}</td>
                  <td class="num">{formatMs(hop.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <section>
        <h2>Mermaid</h2>
        <p class="legend">
          The chart as a Mermaid gantt (critical path marked <code>crit</code>), as in the lesson: paste it into Markdown or mermaid.live
          {file ? null : (
            <>
              , or{' '}
              <a href={`/trace/${summary.traceId}/mermaid`} download={`trace-${summary.traceId}.mmd`}>
                download it
              </a>
            </>
          )}
          .
        </p>
        <pre id="mermaid">{mermaid}</pre>
      </section>
    </>
  );
}

/** The Mermaid chart's title: a reconciliation run is not a request. */
export function mermaidOptions(spans: TraceSpan[]): { title?: string } {
  const run = reconciliationOf(spans);
  return run ? { title: `Reconciliation trace for payment ${run.paymentId}` } : {};
}

/** The trace page for these spans (a trace Jaeger returned: at least one span). */
export function renderTracePage(
  spans: TraceSpan[],
  options: {
    all: boolean;
    jaegerUiUrl: string | undefined;
    settlements?: Settlements | undefined;
    percentiles?: SpanStanding | undefined;
    file?: TraceFileSource | undefined;
  },
): string {
  const index = indexSpans(spans);
  const analysis = analyzeTrace(spans);
  const props: TracePageProps = {
    summary: summarize(spans)!,
    analysis,
    index,
    rows: waterfallRows(analysis, index, { all: options.all }),
    verdict: verdictForTrace(analysis).sentence,
    mermaid: toMermaidGantt(spans, { ...mermaidOptions(spans), all: options.all }),
    all: options.all,
    jaegerUiUrl: options.jaegerUiUrl,
    settlements: options.settlements,
    reconciliation: reconciliationOf(spans),
    percentiles: options.percentiles,
    file: options.file,
  };
  return renderPage({ title: `trace ${props.summary.traceId}`, section: 'traces', scripts: ['trace.js'], children: <TracePage {...props} /> });
}
