/** Headless Chromium through playwright-core (launchChromium), for the browser tests and the UI pages bench. */
import { chromium, type Browser } from 'playwright-core';
import { ensureTool } from './tools.js';

/**
 * Headless Chromium driven by playwright-core (which downloads no browser of its own): Debian's
 * chromium, installed by scripts/install-tools.sh on first use, or $PAYTRACE_CHROMIUM. The flags
 * keep it off the network it would otherwise call at start (updates, sync, Google's hosts), which
 * on a closed machine fails noisily.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureTool('chromium'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
