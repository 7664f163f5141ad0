/**
 * Work that waits in a connection pool's queue must resume in the async context of the request
 * that queued it, not of the request whose completion happened to free a connection.
 *
 * Why this file exists: both pools paytrace uses keep waiting requests in a plain queue and hand
 * them a connection from inside another request's callback. Everything that reads the active
 * context at that moment (OpenTelemetry's undici and pg instrumentations, pino's log correlation)
 * then sees the wrong request: under a slow dependency one trace collected the hops of ~25 other
 * requests while theirs had none. Both are upstream bugs; these are the smallest local
 * workarounds, each binding the queued work to the context it was queued from (an
 * `AsyncResource`, so every AsyncLocalStorage is restored, not only OpenTelemetry's). Pools stay
 * bounded: nothing here changes how many connections are opened or how long work waits.
 *
 * Remove each workaround when its upstream fix is released:
 *   docs/upstream/undici-pool-queue-context.md
 *   docs/upstream/pg-pool-pending-connect-context.md
 *   docs/upstream/opentelemetry-instrumentation-pg-ignore-connect-spans-context.md
 */
import { AsyncResource } from 'node:async_hooks';
import pg from 'pg';
import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Client, Pool, type Dispatcher } from 'undici';
import { shortcutOn } from './unsampled-shortcuts.js';

/**
 * WORKAROUND for undici's Pool (docs/upstream/undici-pool-queue-context.md): a request queued
 * because every connection is busy is dispatched to a client from that client's 'drain' event,
 * and `undici:request:create` (where the OTel instrumentation starts the CLIENT span and injects
 * `traceparent`) fires in whichever context emitted it. So each dispatch remembers its caller's
 * context, and the clients this pool creates dispatch inside it. Cost: one AsyncResource per
 * request that waits, created as `dispatch` returns with the request still queued (still in the
 * caller's context); a request a connection took at once needs none (PAYTRACE_UNSAMPLED_SHORTCUTS
 * without `pool-scope`: one per request, as before, for the A/B).
 *
 * The same bookkeeping makes the wait itself visible. The CLIENT span starts only when a
 * connection takes the request, so time spent in the pool's queue was a silent gap in the
 * caller's span: a pool too small for the load looked like slow code in the caller. A request
 * that had to queue gets an INTERNAL span over its wait ("wait for <poolName> connection", e.g.
 * "wait for stripe connection"), a child of the caller's span that ends as the CLIENT span starts. A request
 * that found a free connection gets none, so the common case costs nothing more.
 */
export interface ContextPreservingPoolOptions extends Omit<Pool.Options, 'factory'> {
  /** Names the pool in its wait spans: "wait for <poolName> connection", `paytrace.pool.name`. */
  poolName?: string;
}

interface QueuedRequest {
  /** The caller's context, kept once the request has to wait. */
  scope?: AsyncResource;
  wait?: Span;
}

const tracer = trace.getTracer('@paytrace/services');
const QUEUED_REQUEST = 'paytrace.QueuedHttpRequest';

export class ContextPreservingPool extends Pool {
  /** Keyed by the request's options object, which undici passes unchanged through its queue. */
  private readonly callerScopes: WeakMap<object, QueuedRequest>;
  private readonly poolName: string;
  private readonly connections: number | undefined;
  private readonly eagerScopes = !shortcutOn('pool-scope');

  constructor(url: string | URL, options: ContextPreservingPoolOptions = {}) {
    const callerScopes = new WeakMap<object, QueuedRequest>();
    const { poolName, ...poolOptions } = options;
    super(url, { ...poolOptions, factory: (origin, clientOptions) => new ScopedClient(origin, clientOptions, callerScopes) });
    this.callerScopes = callerScopes;
    this.poolName = poolName ?? new URL(url).host;
    this.connections = options.connections ?? undefined; // undici also allows null (unbounded)
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const queued: QueuedRequest = this.eagerScopes ? { scope: new AsyncResource(QUEUED_REQUEST) } : {};
    this.callerScopes.set(options, queued);
    const result = super.dispatch(options, handler);
    // Still here: no connection took it synchronously, so it waits in the pool's queue.
    if (this.callerScopes.has(options)) {
      queued.scope ??= new AsyncResource(QUEUED_REQUEST);
      const wait = tracer.startSpan(`wait for ${this.poolName} connection`, {
        kind: SpanKind.INTERNAL,
        attributes: {
          'paytrace.pool.name': this.poolName,
          ...(this.connections === undefined ? {} : { 'paytrace.pool.connections': this.connections }),
        },
      });
      queued.wait = wait;
      // A request given up while it waits (its deadline) never reaches a client: end the wait there.
      (options as { signal?: AbortSignal }).signal?.addEventListener(
        'abort',
        () => {
          if (!wait.isRecording() || !this.callerScopes.has(options)) return;
          wait.setStatus({ code: SpanStatusCode.ERROR, message: 'gave up waiting for a connection' });
          wait.end();
        },
        { once: true },
      );
    }
    return result;
  }
}

class ScopedClient extends Client {
  constructor(
    origin: URL,
    options: object,
    private readonly callerScopes: WeakMap<object, QueuedRequest>,
  ) {
    super(origin, options);
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const queued = this.callerScopes.get(options);
    if (!queued) return super.dispatch(options, handler);
    this.callerScopes.delete(options);
    if (queued.wait?.isRecording()) queued.wait.end();
    if (!queued.scope) return super.dispatch(options, handler); // taken at once, in its caller's context
    return queued.scope.runInAsyncScope(() => super.dispatch(options, handler));
  }
}

type ConnectCallback = (err: Error | undefined, client: pg.PoolClient | undefined, release: (release?: unknown) => void) => void;

/**
 * WORKAROUND for pg-pool (docs/upstream/pg-pool-pending-connect-context.md) and
 * @opentelemetry/instrumentation-pg with `ignoreConnectSpans` (docs/upstream/
 * opentelemetry-instrumentation-pg-ignore-connect-spans-context.md): a `connect(callback)` that
 * waits for a free client is called back from another request's `release()`, and `pool.query()`
 * uses that callback form, so its `pg.query` span got the releasing request as parent. The
 * promise form is unaffected (an `await` resumes in its own context); the callback form is bound
 * to the caller's context here.
 */
export class ContextPreservingPgPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (!callback) return super.connect();
    return super.connect(AsyncResource.bind(callback) as Parameters<pg.Pool['connect']>[0]);
  }
}
