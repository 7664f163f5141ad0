/** The fault switches as a service reads them: OpenFeature with flagd's provider, each evaluation an event on the active span. */
import { unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';
import { FlagdProvider } from '@openfeature/flagd-provider';
import { SpanEventHook } from '@openfeature/open-telemetry-hooks';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { trace } from '@opentelemetry/api';
import { shortcutOn } from './unsampled-shortcuts.js';
import type { ServiceApp } from './service-app.js';
import { serviceInstanceId } from './instance-id.js';

/**
 * The evaluation context's property that names this process (its service.instance.id): a flagd
 * targeting rule on it scopes a fault to one replica (`npm run fault -- … --instance balance-2`).
 */
export const INSTANCE_CONTEXT_KEY = 'instance';

/**
 * The fault switches of the bottleneck detective (flags/paytrace.flagd.json), as one service reads
 * them. Each evaluation is recorded on the active span as a `feature_flag.evaluation` event (the
 * OpenTelemetry semantic conventions for feature flags) by OpenFeature's own SpanEventHook, so a
 * trace shows which switches were on when it ran.
 */
export interface FaultFlags {
  isOn(key: string): Promise<boolean>;
  /** A numeric switch; 0 when it is off. */
  number(key: string): Promise<number>;
}

/**
 * Where the flags come from is flagd's standard configuration, read by the provider itself:
 * natively `FLAGD_RESOLVER=in-process` + `FLAGD_OFFLINE_FLAG_SOURCE_PATH=<the flag file>`; in
 * compose `FLAGD_RESOLVER=in-process` + `FLAGD_HOST=flagd` (flagd serves the same file over its
 * sync API). Without either, no provider is set and every switch reads as off (unit tests).
 */
export async function openFaultFlags(app: ServiceApp, service: string, env: NodeJS.ProcessEnv = process.env): Promise<FaultFlags> {
  const client: Client = OpenFeature.getClient(service);
  const flagFile = env.FLAGD_OFFLINE_FLAG_SOURCE_PATH;
  if (flagFile || env.FLAGD_HOST) {
    const stopFastPolling = flagFile ? pollFlagFileQuickly(flagFile) : () => undefined;
    // One hook per client, not global: a process may open several apps' flags (tests).
    client.addHooks(shortcutOn('flag-events') ? new RecordingSpanEventHook() : new SpanEventHook());
    const instance = serviceInstanceId(env);
    if (instance) client.setContext({ [INSTANCE_CONTEXT_KEY]: instance });
    await OpenFeature.setProviderAndWait(service, new FlagdProvider({ resolverType: 'in-process' }));
    app.addHook('onClose', async () => {
      await OpenFeature.clearProviders();
      stopFastPolling();
    });
  }
  return {
    isOn: (key) => client.getBooleanValue(key, false),
    number: (key) => client.getNumberValue(key, 0),
  };
}

/**
 * WORKAROUND for @openfeature/flagd-provider 0.16.1 (docs/upstream/flagd-provider-file-poll-interval.md):
 * its file source watches the flag file with `fs.watchFile` and Node's default interval of 5007 ms,
 * with no option to change it, so a switched fault took up to 5 s to apply. Node keeps one stat
 * watcher per resolved path and reuses it for later `watchFile` calls, so starting ours first with
 * a 250 ms interval makes the provider's listener fire within 250 ms of a change. Not persistent:
 * it never keeps the process alive. Remove when the provider polls faster or uses `fs.watch`.
 */
function pollFlagFileQuickly(path: string): () => void {
  const absolute = resolve(path);
  const noop = () => undefined;
  watchFile(absolute, { interval: 250, persistent: false }, noop);
  return () => unwatchFile(absolute, noop);
}

/**
 * WORKAROUND (docs/upstream/openfeature-span-event-hook-unsampled.md): SpanEventHook builds the
 * evaluation event (about five objects) whenever a span is active, recorded or not, and hands it to
 * a span that drops it. This one builds it only for a recording span; what a recorded trace shows
 * is the same.
 */
export class RecordingSpanEventHook extends SpanEventHook {
  override finally(...args: Parameters<SpanEventHook['finally']>): void {
    if (trace.getActiveSpan()?.isRecording()) super.finally(...args);
  }

  override error(...args: Parameters<SpanEventHook['error']>): void {
    if (trace.getActiveSpan()?.isRecording()) super.error(...args);
  }
}
