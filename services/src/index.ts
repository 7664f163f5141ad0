/** @paytrace/services: what every service shares: app factory, config, Postgres, HTTP client, errors, tracing, load shedding. */
export * from './errors.js';
export * from './fault-flags.js';
export * from './config.js';
export * from './db.js';
export * from './http-client.js';
export * from './service-app.js';
export * from './server.js';
export * from './shutdown.js';
export * from './tracing.js';
export * from './schemas.js';
export * from './upstream-answer.js';
export { Type, type Static } from '@sinclair/typebox';
export * from './deadline.js';
export * from './load-shedding.js';
export * from './instance-id.js';
