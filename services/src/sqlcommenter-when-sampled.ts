/**
 * WORKAROUND (docs/upstream/opentelemetry-sql-common-sqlcommenter-unsampled.md): with
 * `addSqlCommenterCommentToQueries`, @opentelemetry/instrumentation-pg appends
 * `/*traceparent='00-…-00'*\/` to every query, its span sampled or not: the text is scanned for a
 * comment, a traceparent is formatted, encoded and concatenated on every query, and Postgres parses
 * 70 bytes more. Its only reader here is the database-wait watcher (db-waits.ts), which names the
 * trace holding a lock, and only a sampled trace can be opened: an unsampled one's comment was
 * never read. So the comment goes only on queries whose span is sampled.
 *
 * The instrumentation calls `addSqlCommenterComment` through @opentelemetry/sql-common's exports
 * object at each query, so that export is replaced, once, in the copy the instrumentation loads.
 */
import { createRequire } from 'node:module';
import { TraceFlags, type Span } from '@opentelemetry/api';

type AddComment = (span: Span, query: string) => string;

/** The @opentelemetry/sql-common the pg instrumentation calls: resolved from it, as auto-instrumentations-node loads it. */
export function pgInstrumentationSqlCommon(): { addSqlCommenterComment: AddComment & { onlyWhenSampled?: true } } {
  const fromAuto = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/auto-instrumentations-node'));
  return createRequire(fromAuto.resolve('@opentelemetry/instrumentation-pg'))('@opentelemetry/sql-common') as ReturnType<
    typeof pgInstrumentationSqlCommon
  >;
}

export function addSqlCommenterOnlyWhenSampled(): void {
  const sqlCommon = pgInstrumentationSqlCommon();
  const original = sqlCommon.addSqlCommenterComment;
  if (original.onlyWhenSampled) return;
  const onlyWhenSampled: AddComment & { onlyWhenSampled?: true } = (span, query) =>
    (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0 ? original(span, query) : query;
  onlyWhenSampled.onlyWhenSampled = true;
  sqlCommon.addSqlCommenterComment = onlyWhenSampled;
}
