/**
 * A trace as a Mermaid gantt chart (the lesson's "Request Trace" chart), with the critical path
 * marked `crit`: paste it into a Markdown file or https://mermaid.live. Pure functions.
 */
import type { TraceSpan } from './jaeger-client.js';
import { criticalSpanIds, criticalPath } from './analysis.js';
import { endOf, indexSpans, isPlumbing, targetOf } from './spans.js';

export interface MermaidOptions {
  /** Default: "Request trace for <root span name>". */
  title?: string;
  /** Every span, Fastify's plumbing and pool connects included; default: the ones a reader needs. */
  all?: boolean;
}

/**
 * Mermaid reads ':' as the start of a task's data, ';' as the end of a statement and '#' as the
 * start of an entity, so labels lose them: a colon becomes '∶' (U+2236, which reads the same in
 * 127.0.0.1∶12111 and /holds/∶hold_key), the others a space. A label that starts like a gantt
 * keyword would be read as that keyword, so it gets a prefix.
 */
export function sanitizeLabel(text: string): string {
  const clean = text.replace(/:/g, '∶').replace(/[;#]/g, ' ').replace(/\s+/g, ' ').trim();
  if (!clean) return 'span';
  return /^(title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|click|accTitle|accDescr)\b/i.test(clean)
    ? `span ${clean}`
    : clean;
}

/** Spans worth a bar: the hops, calls, queries and recorded steps; not Fastify's wrappers. */
const interesting = (s: TraceSpan) => !isPlumbing(s) && s.name !== 'pg-pool.connect';

export function toMermaidGantt(spans: TraceSpan[], options: MermaidOptions = {}): string {
  const index = indexSpans(spans);
  const root = index.root;
  const title = sanitizeLabel(options.title ?? `Request trace for ${root?.name ?? 'an empty trace'}`);
  // dateFormat x: Unix milliseconds, here offsets from the root's start, so the axis starts at 0
  // (shown as seconds.milliseconds; the date part, 1 January 1970, is hidden).
  const lines = ['gantt', `title ${title}`, 'dateFormat x', 'axisFormat %S.%L', 'todayMarker off'];
  if (!root) return lines.join('\n');
  const onPath = criticalSpanIds(criticalPath(spans), index);
  const t0 = root.startTime;
  // Whole milliseconds; a span that started before the root (clock skew) is drawn from 0, and
  // every bar is at least 1 ms long so Mermaid draws it.
  const at = (us: number) => Math.max(0, Math.round((us - t0) / 1000));
  const label = (s: TraceSpan) => {
    const target = targetOf(s, index);
    // A query's span name ('pg.query:SELECT paytrace') says less than its SQL.
    if (target && s.tags['db.query.text']) return sanitizeLabel(`SQL ${target}`);
    return sanitizeLabel(target ? `${s.name} → ${target}` : s.name);
  };
  // In order of start, as drawn: a span skewed to before the root counts as starting with it,
  // after it, so the root's service is always the first section.
  const from = (s: TraceSpan) => Math.max(s.startTime, t0);
  const shown = spans
    .filter((s) => options.all || interesting(s) || s === root)
    .sort((a, b) => from(a) - from(b) || Number(b === root) - Number(a === root) || b.duration - a.duration);
  const sections = new Map<string, string[]>();
  for (const s of shown) {
    const start = at(s.startTime);
    const end = Math.max(start + 1, at(endOf(s)));
    const crit = onPath.has(s.spanId) ? 'crit, ' : '';
    const tasks = sections.get(s.service) ?? [];
    tasks.push(`${label(s)} :${crit}${start}, ${end}`);
    sections.set(s.service, tasks);
  }
  for (const [service, tasks] of sections) lines.push(`section ${sanitizeLabel(service)}`, ...tasks);
  return lines.join('\n');
}

/** The chart in a Markdown code fence GitHub and most renderers draw. */
export const mermaidFence = (text: string): string => `\`\`\`mermaid\n${text.replace(/\n+$/, '')}\n\`\`\``;
