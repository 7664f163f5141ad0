/**
 * /search: the search form (service and operation pickers filled from Jaeger, tags, duration range,
 * time range, limit), whose URL is the whole search, and the traces found, newest first, each with
 * its root, duration, outcome and verdict line, linking to its trace page.
 */
/** @jsxRuntime automatic @jsxImportSource preact */
import { formatMs } from '@paytrace/trace-analysis';
import { formatTags, LOOKBACKS, utcBox, type SearchQuery } from '../search-query.js';
import type { FoundTrace, SearchResult } from '../trace-search.js';
import { clock, isoTime } from './format.js';
import { renderPage } from './layout.js';
import { ServiceChips, TraceIdLink } from './trace-row-cells.js';

export interface SearchPageProps {
  query: SearchQuery;
  result: SearchResult;
  services: string[];
  /** The chosen service's operations. */
  operations: string[];
  /** This search's own link (what the address bar shows), to copy. */
  href: string;
}

function Outcome({ trace }: { trace: FoundTrace }) {
  if (trace.reconcileOutcome !== undefined) {
    // A reconciler's run is not an HTTP request: its outcome is the reconciler's.
    const failed = trace.outcome === 'failed' || trace.reconcileOutcome === 'retry_later';
    return <span class={`outcome ${failed ? 'failed' : 'succeeded'}`}>{`reconcile: ${trace.reconcileOutcome}`}</span>;
  }
  return <span class={`outcome ${trace.outcome}`}>{`${trace.outcome}${trace.statusCode ? ` ${trace.statusCode}` : ''}`}</span>;
}

/** The traces found, as the front page lists payments, with each one's root and verdict line. */
export function TraceResults({ traces }: { traces: FoundTrace[] }) {
  return (
    <table class="traces results">
      <thead>
        <tr>
          <th>started</th>
          <th>root</th>
          <th class="num">duration</th>
          <th>outcome</th>
          <th>services</th>
          <th class="num">spans</th>
          <th>trace</th>
        </tr>
      </thead>
      <tbody>
        {traces.map((t) => (
          <>
            <tr data-trace-id={t.traceId} data-outcome={t.outcome} data-root={`${t.root.service} ${t.root.name}`} data-duration-us={t.durationUs}>
              <td>
                <time datetime={isoTime(t.startMs)}>{clock(t.startMs)}</time>
              </td>
              <td>
                {t.root.service} <code>{t.root.name}</code>
              </td>
              <td class="num">{formatMs(t.durationUs)}</td>
              <td>
                <Outcome trace={t} />
              </td>
              <td>
                <ServiceChips services={t.services} />
              </td>
              <td class="num">{t.spanCount}</td>
              <td>
                <TraceIdLink traceId={t.traceId} />
              </td>
            </tr>
            <tr class="verdict-line" data-trace-id={t.traceId}>
              <td />
              <td colSpan={6}>{t.verdict}</td>
            </tr>
          </>
        ))}
      </tbody>
    </table>
  );
}

function SearchForm({ query, services, operations }: Pick<SearchPageProps, 'query' | 'services' | 'operations'>) {
  // The URL may name a service or operation Jaeger has not seen (yet): keep it selectable.
  const serviceChoices = services.includes(query.service) ? services : [query.service, ...services];
  const operationChoices = query.operation && !operations.includes(query.operation) ? [query.operation, ...operations] : operations;
  const lookbacks: string[] = LOOKBACKS.includes(query.lookback as (typeof LOOKBACKS)[number]) ? [...LOOKBACKS] : [query.lookback, ...LOOKBACKS];
  return (
    <form class="search" id="search-form" method="get" action="/search">
      <label>
        service{' '}
        <select name="service" id="search-service">
          {serviceChoices.map((s) => (
            <option value={s} selected={s === query.service}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        operation{' '}
        <select name="operation" id="search-operation">
          <option value="" selected={!query.operation}>
            all
          </option>
          {operationChoices.map((o) => (
            <option value={o} selected={o === query.operation}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <label class="tags">
        tags{' '}
        <textarea
          name="tags"
          rows={2}
          cols={60}
          placeholder="paytrace.account.id=acct_alice http.response.status_code=503"
          value={formatTags(query.tags)}
        />
      </label>
      <label>
        root lasted at least <input type="number" name="min_ms" min={0} step="any" value={query.minMs ?? ''} placeholder="0" /> ms
      </label>
      <label>
        at most <input type="number" name="max_ms" min={0} step="any" value={query.maxMs ?? ''} /> ms
      </label>
      <label>
        last{' '}
        <select name="lookback">
          {lookbacks.map((l) => (
            <option value={l} selected={l === query.lookback}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label>
        from <input type="datetime-local" step={1} name="from" value={query.fromMs !== undefined ? utcBox(query.fromMs) : ''} />
      </label>
      <label>
        to <input type="datetime-local" step={1} name="to" value={query.toMs !== undefined ? utcBox(query.toMs) : ''} /> UTC
      </label>
      <label>
        limit <input type="number" name="limit" min={1} max={500} value={query.limit} />
      </label>
      <button type="submit">Search</button>
      <span class="hint">
        tags: key=value, separated by spaces or new lines, all on one span of the service; from/to (UTC) override "last"; the duration is the root
        span's
      </span>
    </form>
  );
}

function SearchPage({ query, result, services, operations, href }: SearchPageProps) {
  return (
    <>
      <h1>Search traces</h1>
      <SearchForm query={query} services={services} operations={operations} />
      <p class="window" id="search-summary">
        {result.traces.length} trace{result.traces.length === 1 ? '' : 's'} of {query.service}
        {query.operation ? (
          <>
            {' '}
            <code>{query.operation}</code>
          </>
        ) : null}{' '}
        that started between <time datetime={isoTime(result.fromMs)}>{clock(result.fromMs)}</time> and{' '}
        <time datetime={isoTime(result.toMs)}>{clock(result.toMs)}</time>, newest first
        {result.capped ? ` (Jaeger returned its limit of ${query.limit}: there may be more)` : ''}
        {result.outOfRange > 0 ? ` · ${result.outOfRange} left out: a span matched the duration range, not the root` : ''} ·{' '}
        <a href={href} id="search-link">
          link to this search
        </a>
      </p>
      {result.traces.length === 0 ? (
        <p class="empty">No trace matches. A trace reaches Jaeger a few seconds after its request; widen the time range or drop a tag.</p>
      ) : (
        <TraceResults traces={result.traces} />
      )}
    </>
  );
}

export function renderSearchPage(props: SearchPageProps): string {
  return renderPage({ title: 'Search traces', section: 'search', scripts: ['search.js'], children: <SearchPage {...props} /> });
}
