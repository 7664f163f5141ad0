/**
 * WORKAROUND (docs/upstream/opentelemetry-context-async-hooks-bind-cost.md): the SDK's
 * AsyncLocalStorageContextManager, with two costs of every request taken out, whether its trace is
 * recorded or not.
 *
 * - Binding an event emitter (the http instrumentation binds every request and response, so that
 *   Fastify's body parsing and answer run in the request's context) patched seven methods of the
 *   emitter with closures of their own, kept a WeakMap per event, and wrapped every listener added
 *   later: some 6 KB allocated per request. Here the emitter's `emit` is wrapped instead: one
 *   closure, and every listener runs in the bound context. Unlike upstream, that includes listeners
 *   added before the binding (Node's own, added as the request is created): they run in the
 *   request's context, which no one reads there.
 * - `with(context, fn)` entered a new AsyncLocalStorage frame (on Node 24 a copy of a Map) even
 *   when `context` is already the active one, which is most calls of a bound callback or
 *   listener. Here it calls `fn` directly then: the same context, without the frame.
 */
import { EventEmitter } from 'node:events';
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const BOUND_CONTEXT = Symbol('paytrace.boundContext');

type BindableEmitter = EventEmitter & { [BOUND_CONTEXT]?: Context };

export class EmitBindingContextManager extends AsyncLocalStorageContextManager {
  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    if (context === this.active()) return fn.apply(thisArg, args);
    return super.with(context, fn, thisArg, ...args);
  }

  override bind<T>(context: Context, target: T): T {
    if (target instanceof EventEmitter) return this.bindEmitter(context, target as BindableEmitter) as T;
    return super.bind(context, target);
  }

  /** The first binding of an emitter wins, as upstream. */
  private bindEmitter(context: Context, emitter: BindableEmitter): EventEmitter {
    if (emitter[BOUND_CONTEXT] !== undefined) return emitter;
    emitter[BOUND_CONTEXT] = context;
    const manager = this;
    const emit = emitter.emit;
    emitter.emit = function boundEmit(this: EventEmitter, event: string | symbol, ...args: unknown[]): boolean {
      if (this.listenerCount(event) === 0) return emit.call(this, event, ...args);
      return manager.with(context, emit, this, event, ...args);
    };
    return emitter;
  }
}
