/**
 * Hands the span the pg instrumentation starts for a query to the code that called
 * `Client.prototype.query` (db-waits.ts), synchronously: the instrumentation's `requestHook`
 * sees the span but not the client, the client sees itself but not the span.
 *
 * Why a file of its own, with no imports: the SDK bootstrap (telemetry-sdk.ts) must not load
 * `pg` before the instrumentation patches it, and the slot lives on globalThis so a second copy
 * of this module (source and built paths both loaded) still shares it.
 */
import type { Span } from '@opentelemetry/api';

const SLOT = Symbol.for('paytrace.pg.query-span');
type Slot = { span: Span | undefined };
const slot: Slot = ((globalThis as Record<symbol, Slot | undefined>)[SLOT] ??= { span: undefined });

/** The pg instrumentation's requestHook: remembers the span of the query being started. */
export function recordQuerySpan(span: Span): void {
  slot.span = span;
}

/** Takes (and clears) the span the last query started, if the instrumentation made one. */
export function takeQuerySpan(): Span | undefined {
  const span = slot.span;
  slot.span = undefined;
  return span;
}
