import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { clearFaults, currentFaults, mysteryRoundFile, REPO_FLAG_FILE } from '@paytrace/faults';
import { buildApp } from '../src/app.js';
import { crossOriginReason } from '../src/same-origin.js';
import { closedPortUrl } from './support/closed-port.js';

/**
 * Switches nobody else can flip: a state-changing request from another origin is refused (403)
 * before it reads its form, and the flag file stays as it was; the UI's own pages, a page typed
 * in the address bar, and curl go through.
 */
const HOST = '127.0.0.1:16600';
const SWITCH = new URLSearchParams({ action: 'set', flag: 'stripe-latency', value: '250' }).toString();

describe('state-changing requests from another origin are refused', () => {
  let dir: string;
  let flagFile: string;
  let app: FastifyInstance;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paytrace-ui-origin-'));
    flagFile = join(dir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
    app = await buildApp({ jaeger: { url: await closedPortUrl() }, flagFile });
  });
  beforeEach(() => clearFaults(flagFile));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const post = (url: string, headers: Record<string, string>, payload = SWITCH) =>
    app.inject({ method: 'POST', url, headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload });
  const stripeLatency = () => currentFaults(flagFile).get('stripe-latency');

  const refused: Record<string, Record<string, string>> = {
    'a cross-site browser post': { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    'a same-site one (another port on this host)': { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:8080' },
    'a cross-site one that forges a matching Origin': { 'sec-fetch-site': 'cross-site', origin: `http://${HOST}` },
    'no Fetch Metadata, a forged Origin': { origin: 'https://evil.example' },
    'no Fetch Metadata, another port': { origin: 'http://127.0.0.1:16601' },
    'no Fetch Metadata, Origin null (a sandboxed frame)': { origin: 'null' },
  };
  for (const [name, headers] of Object.entries(refused)) {
    test(`${name}: 403, the flag file untouched`, async () => {
      const before = readFileSync(flagFile, 'utf8');
      const res = await post('/faults', headers);
      assert.equal(res.statusCode, 403);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /data-error-code="CROSS_ORIGIN_REQUEST"/);
      assert.match(res.body, /<h1>Refused: the request came from another site<\/h1>/);
      assert.match(res.body, /Only this UI’s own pages can change its state/);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers.vary, 'Origin, Sec-Fetch-Site');
      assert.equal(readFileSync(flagFile, 'utf8'), before);
    });
  }

  const allowed: Record<string, Record<string, string>> = {
    'the UI’s own form (same-origin)': { 'sec-fetch-site': 'same-origin', origin: `http://${HOST}` },
    'typed in the address bar or a bookmark (none)': { 'sec-fetch-site': 'none' },
    'an older browser, same Origin, no Fetch Metadata': { origin: `http://${HOST}` },
    'curl: neither header': {},
  };
  for (const [name, headers] of Object.entries(allowed)) {
    test(`${name}: the switch is flipped`, async () => {
      const res = await post('/faults', headers);
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, '/faults');
      assert.equal(res.headers.vary, 'Origin, Sec-Fetch-Site');
      assert.equal(stripeLatency(), 250);
    });
  }

  test('the mystery round’s posts too: a cross-site start opens no round', async () => {
    const res = await post('/faults/mystery', { 'sec-fetch-site': 'cross-site' }, 'action=start&seed=7');
    assert.equal(res.statusCode, 403);
    assert.equal(existsSync(mysteryRoundFile(flagFile)), false);
  });

  test('every method but GET, HEAD and OPTIONS, on any path (routes added later included)', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      for (const url of ['/faults', '/faults/mystery', '/some/future/route']) {
        const res = await app.inject({ method, url, headers: { host: HOST, 'sec-fetch-site': 'cross-site' } });
        assert.equal(res.statusCode, 403, `${method} ${url}`);
      }
    }
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url: '/faults', headers: { host: HOST, 'sec-fetch-site': 'cross-site' } });
      assert.equal(res.statusCode, 200, `${method}: reading is not refused (a link from another site opens the page)`);
      assert.equal(res.headers.vary, undefined);
    }
  });
});

describe('crossOriginReason', () => {
  const req = (headers: Record<string, string>, method = 'POST') => ({ method, headers });
  test('says which header refused the request', () => {
    assert.equal(crossOriginReason(req({ 'sec-fetch-site': 'cross-site' })), 'Sec-Fetch-Site: cross-site');
    assert.equal(crossOriginReason(req({ origin: 'https://evil.example', host: HOST })), 'Origin: https://evil.example');
  });
  test('Fetch Metadata wins over Origin; default ports compare equal; no Host refuses a browser', () => {
    assert.equal(crossOriginReason(req({ 'sec-fetch-site': 'same-origin', origin: 'https://elsewhere.example', host: HOST })), undefined);
    assert.equal(crossOriginReason(req({ origin: 'http://ui.example', host: 'ui.example:80' })), undefined);
    assert.equal(crossOriginReason(req({ origin: 'https://ui.example', host: 'ui.example:443' })), undefined);
    assert.equal(crossOriginReason(req({ origin: 'http://UI.example', host: 'ui.EXAMPLE' })), undefined);
    assert.equal(crossOriginReason(req({ origin: 'http://ui.example' })), 'Origin: http://ui.example');
    assert.equal(crossOriginReason(req({ 'sec-fetch-site': 'cross-site' }, 'GET')), undefined);
  });
});
