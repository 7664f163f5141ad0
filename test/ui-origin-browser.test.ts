import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, Response } from 'playwright-core';
import { REPO_FLAG_FILE, clearFaults, currentFaults } from '@paytrace/faults';
import { freePort, startUi, type RunningUi } from '@paytrace/devstack';
import { launchChromium } from '@paytrace/devstack/browser';
import { jaegerUrl, prometheusUrl } from './support/env.js';

/**
 * Switches nobody else can flip, in a real browser (Debian's Chromium through playwright-core):
 * a page on another origin (served here by node:http) auto-submits a form to the UI's /faults,
 * as a malicious page the reader happens to visit would. Chromium sends it with Fetch Metadata
 * and Origin; the UI refuses it and the (private copy of the) flag file does not change. The
 * UI's own form still flips the switch.
 */

/** A page that posts a fault switch to `action` as soon as it loads: what an attacker's page would do. */
const attackPage = (action: string) => `<!doctype html>
<title>Win a prize</title>
<form id="attack" method="post" action="${action}">
  <input type="hidden" name="action" value="set">
  <input type="hidden" name="flag" value="stripe-latency">
  <input type="hidden" name="value" value="2000">
</form>
<script>document.getElementById('attack').submit();</script>`;

/** A server of another origin on `host` (any port), serving the attack page at /. */
async function startOtherOrigin(host: string, uiUrl: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(`${uiUrl}/faults`)));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as { port: number }).port}/`, server };
}

describe('the fault switches refuse another site’s post, in Chromium', () => {
  let workDir: string;
  let flagFile: string;
  let ui: RunningUi;
  let browser: Browser;
  const servers: Server[] = [];

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'paytrace-origin-'));
    flagFile = join(workDir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
    clearFaults(flagFile);
    ui = await startUi({ port: await freePort(), jaegerUrl, prometheusUrl, flagFile, env: { LOG_LEVEL: 'warn' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Opens `url` and returns the answer to the POST its page sends to the UI. */
  async function postFrom(page: Page, url: string): Promise<Response> {
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${ui.url}/faults`);
    await page.goto(url);
    const response = await posted;
    await page.waitForLoadState('load');
    return response;
  }

  // 127.0.0.2 is another host on the loopback interface, so another site (cross-site); another
  // port on 127.0.0.1 is the same site but another origin (same-site). Both are refused.
  for (const [host, site] of [
    ['127.0.0.2', 'cross-site'],
    ['127.0.0.1', 'same-site'],
  ] as const) {
    test(`a page on ${host}, another port (${site}), auto-submitting to /faults is refused, the flag file unchanged`, async () => {
      const other = await startOtherOrigin(host, ui.url);
      servers.push(other.server);
      const before = readFileSync(flagFile, 'utf8');
      const page = await browser.newPage();
      try {
        const res = await postFrom(page, other.url);
        const sent = await res.request().allHeaders();
        assert.equal(sent['sec-fetch-site'], site, 'Chromium said where the post came from');
        assert.equal(sent.origin, other.url.replace(/\/$/, ''));
        assert.equal(res.status(), 403);
        assert.equal(await page.locator('.error-page').getAttribute('data-error-code'), 'CROSS_ORIGIN_REQUEST');
        assert.equal(await page.locator('h1').innerText(), 'Refused: the request came from another site');
        assert.equal(readFileSync(flagFile, 'utf8'), before, 'the flag file did not change');
        assert.equal(currentFaults(flagFile).get('stripe-latency'), 0);
      } finally {
        await page.close();
      }
    });
  }

  test('the UI’s own form still flips the switch (same-origin)', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${ui.url}/faults`);
      const form = page.locator('form.switch:has(button[data-flag="stripe-latency"])');
      await form.locator('input[name="value"]').fill('250');
      const posted = page.waitForResponse((r) => r.request().method() === 'POST');
      await form.locator('button[value="set"]').click();
      const res = await posted;
      assert.equal((await res.request().allHeaders())['sec-fetch-site'], 'same-origin');
      assert.equal(res.status(), 303);
      await page.waitForLoadState('load');
      assert.equal(currentFaults(flagFile).get('stripe-latency'), 250);
    } finally {
      await page.close();
    }
  });
});
