/**
 * `npm run tier -- add | remove <name> | kill <name>`: changes the Collector tier of a running
 * `npm run stack -- --collectors N` (docs/collector-tier.md). The stack prints what happened.
 *
 *   npm run tier -- add               # one more tail-sampling Collector, then into the ring
 *   npm run tier -- remove sampler-1  # out of the ring, drains what it holds, stops
 *   npm run tier -- kill sampler-2    # SIGKILL, then out of the ring as an orchestrator would
 */
import { join } from 'node:path';
import { parseTierRequest, ROOT, runCli, sendTierRequest, UsageError } from '@paytrace/devstack';

await runCli('usage: npm run tier -- add | remove <sampler name> | kill <sampler name>', async () => {
  let request;
  try {
    request = parseTierRequest(process.argv.slice(2));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const pid = sendTierRequest(join(ROOT, '.data', 'telemetry'), request);
  console.log(`asked the stack (pid ${pid}) to ${request.action}${'name' in request ? ` ${request.name}` : ''}: its output says when it is done`);
});
