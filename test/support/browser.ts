import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (scripts/install-tools.sh installs it); PAYTRACE_CHROMIUM points at another. */
export const CHROMIUM = process.env.PAYTRACE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless Chromium driven by playwright-core (which downloads no browser of its own). The flags
 * keep it off the network it would otherwise call at start (updates, sync, Google's hosts), which
 * on a closed machine fails noisily.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: run \`npm run install-tools -- chromium\` (installs Debian's chromium), or set PAYTRACE_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
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
