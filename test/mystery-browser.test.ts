import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  MYSTERY_SERVICES,
  REPO_FLAG_FILE,
  SCENARIOS,
  culpritOperations,
  currentFaults,
  endMysteryRound,
  faultSetting,
  isOff,
  mysteryRoundFile,
  pickMystery,
  scenario,
  type MysteryRound,
} from '@paytrace/faults';
import { freePort, startUi, type RunningUi } from '@paytrace/devstack';
import { launchChromium } from '@paytrace/devstack/browser';
import { jaegerUrl, prometheusUrl } from './support/env.js';

/**
 * Play the detective in a real browser (Debian's Chromium through playwright-core): the UI on a
 * private copy of the flag file starts a seeded mystery round, keeps the answer off the faults
 * page, grades a wrong answer and a right one (the truth read from the round file, not the page),
 * and then reveals the fault and its fix.
 */
/**
 * Submits a form of the faults page and waits for the page it lands on: its POST answered 303 and
 * the GET of /faults loaded (the URL alone would not do: it is /faults before and after).
 */
async function submit(page: Page, button: Locator): Promise<void> {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  const landed = page.waitForResponse(
    (r) => r.request().method() === 'GET' && r.request().isNavigationRequest() && new URL(r.url()).pathname === '/faults',
  );
  await button.click();
  const post = await posted;
  if (post.status() !== 303) assert.fail(`${post.url()} answered ${post.status()}: ${await post.text()}`);
  assert.equal((await landed).status(), 200);
  await page.waitForLoadState('load');
}

describe('a mystery round, in Chromium', () => {
  let workDir: string;
  let flagFile: string;
  let ui: RunningUi;
  let browser: Browser;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'paytrace-mystery-'));
    flagFile = join(workDir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, flagFile);
    ui = await startUi({ port: await freePort(), jaegerUrl, prometheusUrl, flagFile, env: { LOG_LEVEL: 'warn' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  const faultsOn = () => Object.fromEntries([...currentFaults(flagFile)].filter(([, value]) => !isOff(value)));

  async function answer(page: Page, service: string, operation: string) {
    const form = page.locator('form#mystery-answer');
    await form.locator('select[name="service"]').selectOption(service);
    await form.locator('select[name="operation"]').selectOption(operation);
    await submit(page, form.getByRole('button', { name: 'Answer' }));
    return page.locator('#mystery-grade').getAttribute('data-grade');
  }

  test('a seeded round: the answer out of sight, a wrong answer graded wrong, the right one solved, then the fault and its fix', async () => {
    // A seed that picks the Stripe pool: a numeric fault with a scene (Stripe at 20 ms) that must stay hidden too.
    const seed = Array.from({ length: 500 }, (_, i) => i).find((s) => pickMystery(s).flag === 'stripe-pool-size')!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/faults`);
    const start = page.locator('#mystery form.mystery-start');
    await start.locator('input[name="seed"]').fill(String(seed));
    await submit(page, start.getByRole('button', { name: 'Start a mystery round' }));

    // The truth, from the round file: the seed's pick, and exactly it (and its scene) on in the flag file.
    const round = JSON.parse(readFileSync(mysteryRoundFile(flagFile), 'utf8')) as MysteryRound;
    assert.equal(round.seed, seed);
    assert.deepEqual(faultsOn(), { ...round.scene, [round.flag]: round.value });
    const truth = scenario(round.flag)!;

    // Out of sight: no switch state, value, text or switch; the candidates' names only.
    assert.equal(await page.locator('#mystery').getAttribute('data-state'), 'open');
    assert.equal(await page.locator('#mystery h2').innerText(), `Mystery round (seed ${seed})`);
    const text = await page.locator('main').innerText();
    for (const s of SCENARIOS) {
      assert.ok(!text.includes(s.simulates) && !text.includes(s.fix), `the page shows ${s.flag}'s texts`);
      assert.ok(text.includes(s.flag), `${s.flag} is listed as a candidate`);
    }
    assert.equal(await page.locator('#faults-on, td.value, tr.on, [data-value], form.switch').count(), 0);
    assert.ok(!text.includes(faultSetting(round.flag, round.value)) && !text.includes('connections'), text);
    // The way to investigate: the front page's verdict and traces.
    assert.equal(await page.locator('#mystery a[href="/"]').count(), 1);

    const wrongService = MYSTERY_SERVICES.find((s) => s !== truth.culprit.service)!;
    assert.equal(await answer(page, wrongService, 'POST'), 'wrong');
    assert.match(await page.locator('#mystery-grade').innerText(), new RegExp(`^Wrong: the fault is not in ${wrongService}`));
    assert.equal(await page.locator('#mystery').getAttribute('data-state'), 'open', 'a wrong answer leaves the round open');
    assert.equal(await page.locator('#mystery-reveal').count(), 0);

    const right = culpritOperations(round.flag)[0]!;
    assert.equal(await answer(page, truth.culprit.service, right.operation), 'solved');
    assert.match(await page.locator('#mystery-grade').innerText(), /^Solved: /);
    assert.equal(await page.locator('#mystery h2').innerText(), `Mystery round (seed ${seed}): solved in 2 tries`);
    const reveal = page.locator('#mystery-reveal');
    assert.equal(await reveal.getAttribute('data-flag'), round.flag);
    assert.equal(await reveal.locator('.setting').innerText(), 'stripe-pool-size = 1 connections (scene: stripe-latency = 20 ms)');
    assert.equal(await reveal.locator('.fix').innerText(), `Fix: ${truth.fix}`);
    assert.equal(await reveal.locator('.simulates').innerText(), `It simulates ${truth.simulates}.`);
    assert.deepEqual(await page.$$eval('#mystery-answers li', (items) => items.map((li) => li.getAttribute('data-grade'))), ['wrong', 'solved']);
    // Over: the switches are back, and the fault is still on to look at.
    assert.match(await page.locator('#faults-on').innerText(), /stripe-pool-size=1/);
    assert.deepEqual(faultsOn(), { ...round.scene, [round.flag]: round.value });
    await page.close();
  });

  test('a round given up shows its answer; every fault off ends it', async () => {
    endMysteryRound(flagFile); // whatever the test before left
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ui.url}/faults`);
    await submit(page, page.locator('#mystery form.mystery-start').getByRole('button', { name: 'Start a mystery round' }));
    const round = JSON.parse(readFileSync(mysteryRoundFile(flagFile), 'utf8')) as MysteryRound;
    assert.equal(await page.locator('#mystery').getAttribute('data-state'), 'open');
    await submit(page, page.getByRole('button', { name: 'Give up: show the answer' }));
    assert.match(await page.locator('#mystery h2').innerText(), new RegExp(`seed ${round.seed}\\): given up$`));
    assert.equal(await page.locator('#mystery-reveal').getAttribute('data-flag'), round.flag);
    assert.equal(await page.locator('#mystery-reveal .fix').innerText(), `Fix: ${scenario(round.flag)!.fix}`);

    await submit(page, page.getByRole('button', { name: 'Every fault off' }));
    assert.equal(await page.locator('#mystery').getAttribute('data-state'), 'none');
    assert.equal(await page.locator('#faults-on').innerText(), 'none');
    assert.equal(existsSync(mysteryRoundFile(flagFile)), false);
    assert.deepEqual(faultsOn(), {});
    await page.close();
  });
});
