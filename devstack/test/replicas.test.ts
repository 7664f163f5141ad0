import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startBalancer } from '../src/balancer.js';
import { parseReplicas, replicaInstanceIds } from '../src/services.js';

test('--replicas: per service, comma-separated or repeated; one process is no replica id', () => {
  assert.deepEqual(parseReplicas([]), {});
  assert.deepEqual(parseReplicas(['balance=2,auth=3', 'gateway=2']), { balance: 2, auth: 3, gateway: 2 });
  assert.throws(() => parseReplicas(['ledger=2']), /a service of gateway|auth, balance/);
  assert.throws(() => parseReplicas(['balance=0']), /from 1 to/);
  assert.throws(() => parseReplicas(['balance']), /<service>=<count>/);
  assert.deepEqual(replicaInstanceIds('balance', 2), ['balance-1', 'balance-2']);
  assert.deepEqual(replicaInstanceIds('balance', 1), []);
});

/** A replica that answers with its name and what it was sent. */
async function replica(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('x-replica', name);
      res.end(JSON.stringify({ name, method: req.method, url: req.url, traceparent: req.headers.traceparent, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

test('the balancer sends each request to the next replica, even over one kept-alive connection, bytes and trace headers as they are', async () => {
  const replicas = await Promise.all(['a', 'b'].map(replica));
  const balancer = await startBalancer({ port: 0, upstreams: replicas.map((r) => `http://127.0.0.1:${r.port}`) });
  try {
    const seen: string[] = [];
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    for (let i = 0; i < 10; i++) {
      // fetch keeps one connection alive: a TCP balancer would send all ten to one replica.
      const res = await fetch(`http://127.0.0.1:${balancer.port}/v1/holds?i=${i}`, {
        method: 'POST',
        headers: { traceparent, 'content-type': 'application/json' },
        body: JSON.stringify({ i }),
      });
      const answer = (await res.json()) as { name: string; method: string; url: string; traceparent: string; body: string };
      assert.equal(res.headers.get('x-replica'), answer.name);
      assert.deepEqual(
        [answer.method, answer.url, answer.traceparent, answer.body],
        ['POST', `/v1/holds?i=${i}`, traceparent, JSON.stringify({ i })],
      );
      seen.push(answer.name);
    }
    assert.deepEqual([seen.filter((n) => n === 'a').length, seen.filter((n) => n === 'b').length], [5, 5]);
    // A replica gone: its requests fail over to no one (a 502), the other's still answer.
    replicas[0]!.server.closeAllConnections();
    await new Promise((resolve) => replicas[0]!.server.close(resolve));
    const statuses = await Promise.all(Array.from({ length: 4 }, () => fetch(`http://127.0.0.1:${balancer.port}/x`).then((r) => r.status)));
    assert.ok(statuses.includes(200), statuses.join());
    assert.ok(
      statuses.every((s) => s === 200 || s === 502),
      statuses.join(),
    );
  } finally {
    await balancer.close();
    for (const r of replicas) r.server.close();
  }
});
