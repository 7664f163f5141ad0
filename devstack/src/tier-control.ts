/**
 * Changing a running stack's Collector tier from another terminal (`npm run tier -- add`): the
 * request goes into a file beside the tier's data, and SIGUSR2 tells the stack process to read it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorTier } from './collector-tier.js';

export type TierRequest = { action: 'add' } | { action: 'remove' | 'kill'; name: string };

/** Where the stack's pid and the pending request live (the stack's telemetry data folder). */
const files = (dir: string) => ({ pid: join(dir, 'collector-tier.pid'), request: join(dir, 'collector-tier-request.json') });

/** `add`, `remove sampler-2`, `kill sampler-2` → a request (throws with the usage otherwise). */
export function parseTierRequest(args: string[]): TierRequest {
  const [action, name] = args;
  if (action === 'add' && name === undefined) return { action };
  if ((action === 'remove' || action === 'kill') && name && args.length === 2) return { action, name };
  throw new Error('expected: add | remove <sampler name> | kill <sampler name>');
}

/** Carries out one request on the tier and says what happened. */
export async function applyTierRequest(tier: CollectorTier, request: TierRequest): Promise<string> {
  if (request.action === 'add') {
    const sampler = await tier.addSampler();
    return `${sampler.name} added (OTLP/gRPC ${sampler.endpoint}); ring: ${ringNames(tier)}`;
  }
  if (request.action === 'remove') {
    const { outOfRingMs } = await tier.removeSampler(request.name);
    return `${request.name} out of the ring in ${Math.round(outOfRingMs)} ms, drained and stopped; ring: ${ringNames(tier)}`;
  }
  const { outOfRingMs } = await tier.killSampler(request.name);
  return `${request.name} SIGKILLed, out of the ring ${Math.round(outOfRingMs)} ms later; ring: ${ringNames(tier)}`;
}

const ringNames = (tier: CollectorTier) => tier.samplers.map((s) => s.name).join(', ') || 'empty';

/**
 * In the stack process: writes its pid to `dir` and serves requests on SIGUSR2, one at a time.
 * Returns the function that stops serving (and removes the pid file).
 */
export function serveTierRequests(tier: CollectorTier, dir: string, say: (line: string) => void): () => void {
  const { pid, request } = files(dir);
  writeFileSync(pid, `${process.pid}\n`);
  let queue: Promise<void> = Promise.resolve();
  const onSignal = () => {
    if (!existsSync(request)) return;
    const parsed = JSON.parse(readFileSync(request, 'utf8')) as TierRequest;
    rmSync(request, { force: true });
    queue = queue.then(async () => {
      try {
        say(await applyTierRequest(tier, parsed));
      } catch (err) {
        say(`tier: ${(err as Error).message}`);
      }
    });
  };
  process.on('SIGUSR2', onSignal);
  return () => {
    process.off('SIGUSR2', onSignal);
    rmSync(pid, { force: true });
  };
}

/** From another process: hands the request to the stack serving `dir`; the stack prints the outcome. */
export function sendTierRequest(dir: string, request: TierRequest): number {
  const { pid, request: requestFile } = files(dir);
  if (!existsSync(pid)) throw new Error(`no stack with a Collector tier (${pid} is missing): start one with npm run stack -- --collectors 2`);
  const stackPid = Number(readFileSync(pid, 'utf8').trim());
  writeFileSync(requestFile, JSON.stringify(request));
  try {
    process.kill(stackPid, 'SIGUSR2');
  } catch {
    rmSync(requestFile, { force: true });
    throw new Error(`the stack (pid ${stackPid}) is not running`);
  }
  return stackPid;
}
