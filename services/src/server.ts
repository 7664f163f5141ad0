/** listen(): a service on HOST:PORT with graceful shutdown on SIGTERM/SIGINT, bounded by its timeout. */
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { runShutdownHooks } from './shutdown.js';

export interface ListenOptions {
  host: string;
  port: number;
  shutdownTimeoutMs: number;
}

/**
 * Starts listening and wires graceful shutdown: on SIGTERM/SIGINT (or an uncaught error) the app
 * stops accepting connections, finishes in-flight requests and runs its onClose hooks (pools), then
 * the process shutdown hooks (telemetry flush), all bounded by `shutdownTimeoutMs`.
 */
export async function listen(app: FastifyInstance, options: ListenOptions): Promise<void> {
  closeWithGrace({ delay: options.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
    await runShutdownHooks();
  });
  await app.listen({ host: options.host, port: options.port });
}
