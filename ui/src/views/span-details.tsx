/** The trace page's span list: one span's row (service, name, start, duration, self, rank) and, on click, its attributes, events and links. */
/** @jsxRuntime automatic @jsxImportSource preact */
import { formatMs, type SpanPercentile, type WaterfallRow } from '@paytrace/trace-analysis';
import { serviceColor } from './format.js';

/** "p97 of 412": the share of the same operation's spans no longer than this one, and how many there were. */
export const standing = (rank: SpanPercentile) => `p${Math.floor(rank.percentile)} of ${rank.count}`;
export const standingTitle = (rank: SpanPercentile, windowMin: number) =>
  `longer than ${rank.percentile.toFixed(1)}% of the ${rank.count} spans of this operation in the ${windowMin} min before this trace`;
const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function SpanDetails({
  row,
  startUs,
  rank,
  windowMin,
}: {
  row: WaterfallRow;
  startUs: number;
  rank: SpanPercentile | undefined;
  windowMin: number;
}) {
  const s = row.span;
  const tags = Object.entries(s.tags).sort(([a], [b]) => a.localeCompare(b));
  return (
    <details class={`span${row.onPath ? ' on-path' : ''}`} id={`span-${s.spanId}`}>
      <summary>
        <span class="dot" style={`background:${serviceColor(s.service)}`} />
        <span class="svc">{s.service}</span>
        <span class="name" style={`padding-left:${row.depth * 12}px`}>
          {row.label}
        </span>
        <span class="num">{formatMs(s.startTime - startUs)}</span>
        <span class="num">{formatMs(s.duration)}</span>
        <span class="num">{formatMs(row.selfUs)}</span>
        <span class="num rank" data-span-id={s.spanId} title={rank ? standingTitle(rank, windowMin) : undefined}>
          {rank ? standing(rank) : ''}
        </span>
        <span class="flag">{row.onPath ? 'critical path' : ''}</span>
      </summary>
      <div class="span-body">
        <p>
          <code>{s.name}</code> · {s.kind ?? 'internal'} · span <code>{s.spanId}</code>
          {s.parentSpanId ? (
            <>
              {' '}
              · parent <a href={`#span-${s.parentSpanId}`}>{s.parentSpanId}</a>
            </>
          ) : null}
        </p>
        <h4>Attributes</h4>
        <table class="attrs">
          <tbody>
            {tags.map(([k, v]) => (
              <tr>
                <th>{k}</th>
                <td>{value(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {s.logs.length > 0 ? (
          <>
            <h4>Events</h4>
            <ul class="events">
              {s.logs.map((event) => {
                const { event: name, ...fields } = event as { event?: unknown } & Record<string, unknown>;
                return (
                  <li>
                    <strong>{value(name ?? 'event')}</strong>{' '}
                    {Object.entries(fields).map(([k, v]) => (
                      <span class="field">
                        {k}=<code>{value(v)}</code>{' '}
                      </span>
                    ))}
                  </li>
                );
              })}
            </ul>
          </>
        ) : null}
        {s.links.length > 0 ? (
          <>
            <h4>Links</h4>
            <ul>
              {s.links.map((l) => (
                <li>
                  <a href={`/trace/${l.traceId}`}>{l.traceId}</a> span {l.spanId}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    </details>
  );
}
