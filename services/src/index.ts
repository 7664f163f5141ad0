export * from './errors.js';
export * from './config.js';
export * from './db.js';
export * from './http-client.js';
export * from './service-app.js';
export * from './server.js';
export * from './shutdown.js';
export * from './tracing.js';
export { Type, type Static } from '@sinclair/typebox';
