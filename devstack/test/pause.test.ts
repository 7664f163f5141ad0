/** `npm run pause`'s parts: the pid listening on a port (from /proc) and the SIGSTOP/SIGCONT cycle. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { listeningInodes, listeningPid, pauseCycle } from '../src/index.js';

describe('listeningPid', () => {
  test("reads /proc/net/tcp's LISTEN rows for the port", () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F91 0100007F:D3A2 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1',
      '   2: 0100007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    assert.deepEqual(listeningInodes(tcp, 8081), ['4242'], 'port 8081 is 1F91; the established row is not a listener');
  });

  test('finds this process behind a port it listens on, and nobody behind a closed one', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      assert.equal(listeningPid(port), process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(listeningPid(port), undefined);
  });
});

describe('pauseCycle', () => {
  test('stops and continues in turn for the duration, and ends continued', async () => {
    const sent: Array<[string, number]> = [];
    const t0 = Date.now();
    const result = await pauseCycle(0, { everyMs: 100, forMs: 30, durationMs: 350, send: (s) => sent.push([s, Date.now() - t0]) });
    assert.ok(result.pauses >= 3 && result.pauses <= 4, `${result.pauses} pauses`);
    assert.equal(sent.at(-1)?.[0], 'SIGCONT');
    const stops = sent.filter(([s]) => s === 'SIGSTOP').map(([, at]) => at);
    assert.ok(
      stops.every((at, i) => i === 0 || at - stops[i - 1]! >= 95),
      `a stop every 100 ms: ${stops}`,
    );
    assert.ok(result.stoppedMs >= 90 && result.stoppedMs < 200, `${result.stoppedMs} ms stopped`);
  });

  test('an abort ends it with the process continued; a pause as long as the cycle is refused', async () => {
    const sent: string[] = [];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 120);
    await pauseCycle(0, { everyMs: 100, forMs: 30, durationMs: 10_000, signal: controller.signal, send: (s) => sent.push(s) });
    assert.equal(sent.at(-1), 'SIGCONT');
    await assert.rejects(pauseCycle(0, { everyMs: 100, forMs: 100, durationMs: 1_000 }), /0 < for < every/);
  });
});
