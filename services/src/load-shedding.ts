/** Load shedding on event-loop pressure (@fastify/under-pressure): 503 overloaded + Retry-After, recorded on the SERVER span. */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DEFAULT_MAX_EVENT_LOOP_DELAY_MS, DEFAULT_MAX_EVENT_LOOP_UTILIZATION } from './config.js';
import { overloaded } from './errors.js';
import { serverSpan } from './tracing.js';

/**
 * Load shedding on event-loop pressure, in every service (@fastify/under-pressure): while the
 * loop is saturated, a request is answered at once with 503 `overloaded` and `Retry-After`, in the
 * one error envelope (the shared error handler answers it), instead of joining a queue it would
 * leave only after its caller gave up. The refusal is recorded on the request's SERVER span as a
 * `paytrace.load_shed` event with what was measured, so a trace says why it got a 503.
 */
export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) above which requests are shed; 0: off. Default 500 (config.ts says why). */
  maxEventLoopDelayMs?: number;
  /** Event-loop utilization (0 to 1) above which requests are shed; 0: off (the default). */
  maxEventLoopUtilization?: number;
  /** How often the loop is measured (ms); each measurement covers the time since the last. Default 1000. */
  sampleIntervalMs?: number;
}

// The option of createServiceApp that carries these settings (declared here, next to its use).
declare module './service-app.js' {
  interface ServiceAppOptions {
    /** Load shedding's limits; a service passes `loadSheddingOptions(config)`. Defaults: see LoadSheddingOptions. */
    loadShedding?: LoadSheddingOptions;
  }
}

const DEFAULT_SAMPLE_INTERVAL_MS = 1_000;

/**
 * Probes are never shed. `/healthz` is liveness: a busy process is alive, and failing it would get
 * a saturated service restarted, dropping everything it holds. `/readyz` reports this service's
 * dependencies; taking every busy replica out of rotation at once would turn overload into an
 * outage. Both cost next to nothing.
 */
const NEVER_SHED = new Set(['/healthz', '/readyz']);

/** The settings of BaseConfigSchema, as createServiceApp's `loadShedding` option. */
export function loadSheddingOptions(config: { MAX_EVENT_LOOP_DELAY_MS: number; MAX_EVENT_LOOP_UTILIZATION: number }): LoadSheddingOptions {
  return { maxEventLoopDelayMs: config.MAX_EVENT_LOOP_DELAY_MS, maxEventLoopUtilization: config.MAX_EVENT_LOOP_UTILIZATION };
}

const REASONS: Record<string, string> = {
  [underPressure.TYPE_EVENT_LOOP_DELAY]: 'event_loop_delay',
  [underPressure.TYPE_EVENT_LOOP_UTILIZATION]: 'event_loop_utilization',
};

async function loadSheddingPlugin(app: FastifyInstance, options: LoadSheddingOptions): Promise<void> {
  const maxDelay = options.maxEventLoopDelayMs ?? DEFAULT_MAX_EVENT_LOOP_DELAY_MS;
  const maxUtilization = options.maxEventLoopUtilization ?? DEFAULT_MAX_EVENT_LOOP_UTILIZATION;
  if (maxDelay <= 0 && maxUtilization <= 0) return; // off: no sampling timer, no hook
  const sampleInterval = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS;
  // The next measurement may clear it: worth trying again after one sample.
  const retryAfterSeconds = Math.max(1, Math.ceil(sampleInterval / 1000));

  await app.register(underPressure, {
    maxEventLoopDelay: maxDelay,
    maxEventLoopUtilization: maxUtilization,
    // Utilization since the previous sample, not since start (the plugin's default).
    eventLoopUtilizationMode: 'interval',
    sampleInterval,
    // Runs in the plugin's onRequest hook, only while a limit is exceeded. Resolving lets the
    // request through; rejecting hands the AppError to the shared error handler.
    pressureHandler(request: FastifyRequest, _reply, type, value) {
      if (NEVER_SHED.has(request.routeOptions.url ?? '')) return;
      const reason = REASONS[type] ?? type;
      const span = serverSpan();
      if (span?.isRecording()) {
        span.addEvent('paytrace.load_shed', {
          'paytrace.load_shed.reason': reason,
          // ms for the delay, a fraction for the utilization
          'paytrace.load_shed.value': Math.round((value ?? 0) * 1000) / 1000,
          'paytrace.load_shed.limit': type === underPressure.TYPE_EVENT_LOOP_UTILIZATION ? maxUtilization : maxDelay,
        });
      }
      return Promise.reject(overloaded('event loop saturated', retryAfterSeconds));
    },
  });
}

/**
 * The plugin, registered by createServiceApp for every service. Wrapped by fastify-plugin so its
 * hook covers every route of the app, not just those registered inside it.
 */
const loadShedding: FastifyPluginAsync<LoadSheddingOptions> = fp(loadSheddingPlugin, { name: 'paytrace-load-shedding', fastify: '5.x' });
export default loadShedding;

/** Registers load shedding on an app (createServiceApp does, from its `loadShedding` option). */
export function registerLoadShedding(app: FastifyInstance, options: LoadSheddingOptions = {}): void {
  void app.register(loadShedding, options);
}
