/**
 * A fault scoped to some instances of a service (`npm run fault -- balance-db-latency 40 --instance balance-2`):
 * a flagd targeting rule on the evaluation context's `instance` (the process's service.instance.id),
 * and the flag file evaluated as flagd evaluates it (@openfeature/flagd-core, the provider's own core).
 */
import { readFileSync } from 'node:fs';
import { FlagdCore } from '@openfeature/flagd-core';
import { scenario, type FaultValue } from './catalog.js';

/**
 * The evaluation context's property that names a process: the services set it to their
 * service.instance.id (services/src/fault-flags.ts, INSTANCE_CONTEXT_KEY: the same name), the
 * stack's database proxies to the replica they serve.
 */
export const INSTANCE_CONTEXT_KEY = 'instance';

/** The targeting rule that turns a flag `on` for these instances and `off` for every other. */
export const instanceTargeting = (instances: readonly string[]) => ({
  if: [{ in: [{ var: INSTANCE_CONTEXT_KEY }, [...instances]] }, 'on', 'off'],
});

/** The instances a flag's targeting rule (as instanceTargeting writes it) turns it on for; undefined when it has none. */
export function scopedInstances(flag: { targeting?: unknown }): string[] | undefined {
  const rule = flag.targeting as { if?: [{ in?: [unknown, unknown] }, ...unknown[]] } | undefined;
  const list = rule?.if?.[0]?.in?.[1];
  return Array.isArray(list) && list.every((x) => typeof x === 'string') ? list : undefined;
}

/**
 * The service whose instances a flag can be scoped to: the service that reads it, or for a
 * database's latency the service whose connections the stack's proxy slows (a proxy per replica).
 * undefined for Stripe's faults: one proxy in front of stripe-mock serves every replica.
 */
export function instanceScopedService(flag: string): string | undefined {
  const known = scenario(flag);
  if (!known) return undefined;
  if (known.readBy !== 'stack proxies') return known.readBy;
  return /^(auth|balance|payments)-db-latency$/.exec(flag)?.[1];
}

/**
 * Every flag's value for one process, as flagd evaluates the file with `{ instance }` as the
 * context (no instance: a scoped flag is off). Throws on a file flagd cannot read.
 */
export function faultsFor(file: string, instance?: string): Map<string, FaultValue> {
  const core = new FlagdCore();
  core.setConfigurations(readFileSync(file, 'utf8'));
  const context: Record<string, string> = instance === undefined ? {} : { [INSTANCE_CONTEXT_KEY]: instance };
  const values = new Map<string, FaultValue>();
  for (const [key, flag] of core.getFlags()) {
    const off = flag.variants.get('off');
    const fallback = typeof off === 'boolean' || typeof off === 'number' ? off : 0;
    const details =
      typeof fallback === 'boolean' ? core.resolveBooleanEvaluation(key, fallback, context) : core.resolveNumberEvaluation(key, fallback, context);
    values.set(key, details.value);
  }
  return values;
}
