/**
 * `npm run pause`: makes one service of the running stack lose the CPU part of the time, as a long
 * GC pause or a throttled container does: SIGSTOP for `--for` ms every `--every` ms, for
 * `--seconds`. The process is the one listening on the service's port (stack.env); it is always
 * left running (SIGCONT) at the end, on Ctrl-C too. What the detective then says: docs/detective.md.
 *
 *   npm run pause -- auth                                   # 100 ms of every 300, for 30 s
 *   npm run pause -- balance --every 500 --for 200 --seconds 60
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SERVICES, UsageError, listeningPid, pauseCycle, positiveNumber, runCli, stackPorts, type ServiceName } from '@paytrace/devstack';

const USAGE = `usage: npm run pause -- <${SERVICES.join('|')}> [--every MS] [--for MS] [--seconds S]   (the running npm run stack)`;

await runCli(USAGE, async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      every: { type: 'string', default: '300' },
      for: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '30' },
    },
  });
  const [service, ...rest] = positionals;
  if (!service || rest.length > 0 || !SERVICES.includes(service as ServiceName)) throw new UsageError(`name one service: ${SERVICES.join(', ')}`);
  const everyMs = positiveNumber('every', values.every);
  const forMs = positiveNumber('for', values.for);
  if (forMs >= everyMs) throw new UsageError(`--for (${forMs} ms) must be shorter than --every (${everyMs} ms)`);
  const durationMs = positiveNumber('seconds', values.seconds) * 1000;

  const port = stackPorts()[service as ServiceName];
  const pid = listeningPid(port);
  if (pid === undefined) throw new UsageError(`nothing of yours listens on 127.0.0.1:${port} (${service}): start the stack first (npm run stack)`);
  // With `--replicas`, the port is the stack's load balancer (the stack's own process): pausing it would freeze the whole stack.
  if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('@paytrace/services/telemetry')) {
    throw new UsageError(
      `127.0.0.1:${port} is not a paytrace service's process (with --replicas it is the stack's load balancer in front of ${service}'s replicas): not paused`,
    );
  }

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  console.log(`${service} (pid ${pid}, port ${port}): stopped ${forMs} ms of every ${everyMs} ms for ${durationMs / 1000} s (Ctrl-C ends it)…`);
  const { pauses, stoppedMs } = await pauseCycle(pid, { everyMs, forMs, durationMs, signal: stop.signal });
  console.log(`${service} running again: ${pauses} pauses, ${(stoppedMs / 1000).toFixed(1)} s stopped in all`);
});
