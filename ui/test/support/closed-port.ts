/** A loopback URL nothing listens on: connecting is refused at once, like a Jaeger or Prometheus that is down. */
import { createServer } from 'node:net';

/** A port just freed: nothing listens on it (the kernel does not hand it out again at once). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
