/** auth as a process: its config from the environment, then the app on HOST:PORT until SIGTERM or Ctrl-C. */
import { listen } from '@paytrace/services';
import { buildApp } from './app.js';
import { loadAuthConfig } from './config.js';

const config = loadAuthConfig();
const app = await buildApp({ config });
await listen(app, { host: config.HOST, port: config.PORT, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
