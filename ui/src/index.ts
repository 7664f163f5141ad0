/** paytrace's web UI: `buildApp(options)` for tests (`app.inject`) and embedding; the dev stack runs `src/server.ts` as a process. */
export { buildApp, type UiOptions } from './app.js';
export { loadUiConfig, UiConfigSchema, type UiConfig } from './config.js';
