/**
 * "A trace as a file" in Chromium: a payment's trace downloaded from its page (OTLP JSON and Jaeger
 * JSON), then opened in a UI that has no Jaeger (its JAEGER_URL a port nothing listens on), one file
 * chosen in the file input, the other dropped on the drop zone; each must draw the live page's Gantt.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort, startUi } from '@paytrace/devstack';

/** The Gantt's rows as drawn: what a reader sees of each span, in order. */
export const ganttRows = (page: Page) =>
  page.$$eval('svg.gantt g.row', (rows) =>
    rows.map((g) => ({
      spanId: g.getAttribute('data-span-id')!,
      service: g.getAttribute('data-service')!,
      kind: g.getAttribute('data-kind')!,
      label: g.querySelector('text.label')!.textContent!,
      onPath: g.classList.contains('on-path'),
      barX: Number(g.querySelector('rect.bar')!.getAttribute('x')),
    })),
  );

/** Clicks a download link on the page; the file saved in `dir`, its path. */
async function download(page: Page, selector: string, dir: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return path;
}

/** The form on /trace-file sent (by the page's script): the page it answered with. */
async function opened(page: Page, send: () => Promise<void>): Promise<number> {
  // The answer is a new document at the same URL: wait for it to replace the form's, then to load.
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/trace-file') && r.request().method() === 'POST'),
    page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame()),
    send(),
  ]);
  await page.waitForLoadState('load');
  return response.status();
}

export async function checkTraceFileRoundTrip(options: { browser: Browser; uiUrl: string; traceId: string; dir: string; screenshotDir: string }) {
  const { browser, uiUrl, traceId, dir } = options;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  assert.equal((await page.goto(`${uiUrl}/trace/${traceId}`))?.status(), 200);
  const live = await ganttRows(page);
  assert.ok(live.length >= 10, `${live.length} rows on the live page`);

  const otlpFile = await download(page, '#download-otlp', dir);
  const jaegerFile = await download(page, '#download-jaeger', dir);
  assert.equal(otlpFile, join(dir, `trace-${traceId}.otlp.json`));
  assert.equal(jaegerFile, join(dir, `trace-${traceId}.jaeger.json`));
  const otlp = JSON.parse(readFileSync(otlpFile, 'utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
  const jaeger = JSON.parse(readFileSync(jaegerFile, 'utf8')) as { data: Array<{ traceID: string; spans: unknown[] }> };
  const otlpSpanCount = otlp.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)).length;
  assert.equal(jaeger.data[0]!.traceID, traceId);
  assert.equal(jaeger.data[0]!.spans.length, otlpSpanCount, 'both files hold every span');
  const kb = (file: string) => (statSync(file).size / 1024).toFixed(1);
  console.log(`ℹ trace ${traceId}: ${otlpSpanCount} spans; ${kb(otlpFile)} KB as OTLP JSON, ${kb(jaegerFile)} KB as Jaeger JSON`);

  // A UI with no Jaeger: nothing listens on its JAEGER_URL (nor its Prometheus URL).
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const offline = await startUi({ port: await freePort(), jaegerUrl: nowhere, prometheusUrl: nowhere, env: { LOG_LEVEL: 'warn' } });
  try {
    const reader = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    assert.equal((await reader.goto(`${offline.url}/trace/${traceId}`))?.status(), 503, 'this UI cannot reach Jaeger');

    // The OTLP file, chosen in the file input (choosing sends the form).
    await reader.goto(`${offline.url}/trace-file`);
    assert.equal(await opened(reader, () => reader.setInputFiles('input[type=file]', otlpFile)), 200);
    assert.deepEqual(await ganttRows(reader), live, 'the OTLP file draws the live Gantt');
    assert.equal(await reader.textContent('#trace-file-name'), `trace-${traceId}.otlp.json`);
    assert.match((await reader.textContent('main'))!, /not available for a trace opened from a file/);
    await reader.screenshot({ path: join(options.screenshotDir, 'trace-file.png'), fullPage: false });

    // The Jaeger file, dropped on the drop zone as a file manager drops one.
    await reader.goto(`${offline.url}/trace-file`);
    const drop = () =>
      reader.evaluate(
        ({ name, content }) => {
          const files = new DataTransfer();
          files.items.add(new File([content], name, { type: 'application/json' }));
          document.getElementById('drop-zone')!.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
        },
        { name: `trace-${traceId}.jaeger.json`, content: readFileSync(jaegerFile, 'utf8') },
      );
    assert.equal(await opened(reader, drop), 200);
    assert.deepEqual(await ganttRows(reader), live, 'the Jaeger file draws the live Gantt');
    assert.equal(await reader.textContent('#trace-file-name'), `trace-${traceId}.jaeger.json`);

    // Not a trace: a 400 that says why.
    await reader.goto(`${offline.url}/trace-file`);
    const bad = { name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"not": "a trace"}') };
    assert.equal(await opened(reader, () => reader.setInputFiles('input[type=file]', bad)), 400);
    assert.match((await reader.textContent('main'))!, /notes\.json: The file is neither OTLP JSON/);
  } finally {
    await offline.stop();
  }
}
