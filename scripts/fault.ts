/**
 * `npm run fault`: the bottleneck detective's fault switches (flags/paytrace.flagd.json, read by
 * the running stack within a second, no restart).
 *
 *   npm run fault                             # every fault: its value and what it simulates
 *   npm run fault -- stripe-latency 300       # Stripe answers 300 ms late
 *   npm run fault -- auth-unindexed-key-lookup on
 *   npm run fault -- lesson                   # the lesson's chart (a preset; every other fault off)
 *   npm run fault -- off                      # every fault off
 *   npm run fault -- --file other.flagd.json …   # another flag file (e.g. a private stack's)
 */
import { parseArgs } from 'node:util';
import { PRESETS, REPO_FLAG_FILE, SCENARIOS, applyPreset, clearFaults, currentFaults, isOff, parseFaultValue, writeFaults } from '@paytrace/faults';
import { UsageError, runCli } from '@paytrace/devstack';

const USAGE = `usage: npm run fault -- [--file F] [<flag> <value> | <preset> | off]
  flags:   ${SCENARIOS.map((s) => s.flag).join(', ')}
  presets: ${Object.keys(PRESETS).join(', ')}`;

await runCli(USAGE, async () => {
  const { values: options, positionals } = parseArgs({ allowPositionals: true, options: { file: { type: 'string', default: REPO_FLAG_FILE } } });
  const file = options.file;
  const [first, second, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  if (first === 'off' && second === undefined) {
    clearFaults(file);
  } else if (first !== undefined && second === undefined) {
    if (!PRESETS[first]) throw new UsageError(`"${first}" is neither a preset nor "off"; a flag needs a value`);
    applyPreset(file, first);
  } else if (first !== undefined && second !== undefined) {
    try {
      writeFaults(file, { [first]: parseFaultValue(first, second) });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const values = currentFaults(file);
  const width = Math.max(...SCENARIOS.map((s) => s.flag.length));
  console.log(`faults in ${file} (the stack applies a change within a second):\n`);
  for (const s of SCENARIOS) {
    const value = values.get(s.flag);
    const shown = isOff(value) ? 'off' : `${String(value)}${s.unit === 'ms' ? ' ms' : ''}`;
    console.log(`  ${s.flag.padEnd(width)}  ${shown.padEnd(8)} ${s.simulates}`);
    console.log(`  ${' '.repeat(width)}  ${' '.repeat(8)} fix: ${s.fix}`);
  }
});
