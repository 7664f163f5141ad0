/** paytrace's web UI: `buildApp(options)` for tests (`app.inject`) and embedding, `startUi` for the stack. */
export { buildApp, type UiOptions } from './app.js';
export { loadUiConfig, UiConfigSchema, type UiConfig } from './config.js';
export { startUi, type StartUiOptions, type RunningUi } from './process.js';
