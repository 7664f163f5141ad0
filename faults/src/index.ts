/**
 * @paytrace/faults: the bottleneck detective's fault switches. The catalog says what each flag of
 * flags/paytrace.flagd.json breaks, its fix and what the detective should name; the flag-file
 * functions read and switch them (what `npm run fault` and the UI's faults page do); the mystery
 * round switches a seeded random one on and grades the learner's answer against the catalog.
 *
 *   writeFaults(REPO_FLAG_FILE, { 'stripe-latency': 320 });
 *   currentFaults(REPO_FLAG_FILE).get('stripe-latency'); // 320
 *   startMysteryRound(REPO_FLAG_FILE, { seed: 7 });       // one fault on, which not said
 *   answerMysteryRound(REPO_FLAG_FILE, { service: 'balance', operation: 'pg.query:UPDATE' }).grade; // 'solved' | 'half' | 'wrong'
 */
export { SCENARIOS, PRESETS, LOAD_API_KEYS, scenario, type FaultScenario, type FaultValue } from './catalog.js';
export { REPO_FLAG_FILE, readFlagFile, currentFaults, writeFaults, clearFaults, applyPreset, parseFaultValue, isOff } from './flag-file.js';
export { INSTANCE_CONTEXT_KEY, instanceTargeting, scopedInstances, instanceScopedService, faultsFor } from './instance-scope.js';
export { MYSTERY_STRENGTHS, pickMystery, strengthsOf, isMysterySeed, mulberry32, type MysteryPick } from './mystery.js';
export {
  MYSTERY_SERVICES,
  TRACE_OPERATIONS,
  answerOperation,
  gradeAnswer,
  culpritOperations,
  type MysteryAnswer,
  type MysteryGrade,
  type TraceOperation,
} from './mystery-grading.js';
export {
  mysteryRoundFile,
  mysteryRound,
  openMysteryRound,
  startMysteryRound,
  answerMysteryRound,
  revealMysteryRound,
  mysteryReveal,
  endMysteryRound,
  faultSetting,
  type MysteryRound,
  type MysteryReveal,
  type GradedAnswer,
  type StartMysteryOptions,
} from './mystery-round.js';
