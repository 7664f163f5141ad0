/**
 * The UI as a process: configuration from the environment (config.ts), validated once, then the
 * app on HOST:PORT until SIGTERM or Ctrl-C.
 *
 *   JAEGER_URL=http://127.0.0.1:16686 PAYTRACE_UI_FLAG_FILE=flags/paytrace.flagd.json node --import tsx ui/src/server.ts
 */
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadUiConfig } from './config.js';

const config = loadUiConfig();
const app = await buildApp({
  jaeger: { url: config.JAEGER_URL, timeoutMs: config.PAYTRACE_UI_JAEGER_TIMEOUT_MS },
  jaegerUiUrl: config.PAYTRACE_UI_JAEGER_UI_URL || undefined,
  prometheus: { url: config.PROMETHEUS_URL, timeoutMs: config.PAYTRACE_UI_PROMETHEUS_TIMEOUT_MS },
  flagFile: config.PAYTRACE_UI_FLAG_FILE || undefined,
  labDirs: config.PAYTRACE_UI_LAB_DIRS.split(',')
    .map((d) => d.trim())
    .filter(Boolean),
  settleMs: config.PAYTRACE_UI_SETTLE_MS,
  logger: { level: config.LOG_LEVEL },
});
closeWithGrace({ delay: 5_000 }, async ({ err }) => {
  if (err) app.log.error({ err }, 'closing after an error');
  await app.close();
});
await app.listen({ host: config.HOST, port: config.PORT });
