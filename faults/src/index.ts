/**
 * @paytrace/faults: the bottleneck detective's fault switches. The catalog says what each flag of
 * flags/paytrace.flagd.json breaks, its fix and what the detective should name; the flag-file
 * functions read and switch them (what `npm run fault` and the UI's faults page do).
 *
 *   writeFaults(REPO_FLAG_FILE, { 'stripe-latency': 320 });
 *   currentFaults(REPO_FLAG_FILE).get('stripe-latency'); // 320
 */
export { SCENARIOS, PRESETS, LOAD_API_KEYS, scenario, type FaultScenario, type FaultValue } from './catalog.js';
export { REPO_FLAG_FILE, readFlagFile, currentFaults, writeFaults, clearFaults, applyPreset, parseFaultValue, isOff } from './flag-file.js';
