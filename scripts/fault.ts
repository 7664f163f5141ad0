/**
 * `npm run fault`: the bottleneck detective's fault switches (flags/paytrace.flagd.json, read by
 * the running stack within a second, no restart).
 *
 *   npm run fault                             # every fault: its value and what it simulates
 *   npm run fault -- stripe-latency 300       # Stripe answers 300 ms late
 *   npm run fault -- auth-unindexed-key-lookup on
 *   npm run fault -- balance-db-latency 40 --instance balance-2   # one replica only (npm run stack -- --replicas balance=2)
 *   npm run fault -- lesson                   # the lesson's chart (a preset; every other fault off)
 *   npm run fault -- off                      # every fault off (and any mystery round ended)
 *   npm run fault -- mystery [--seed N]       # play the detective: a random fault on, which not said
 *   npm run fault -- mystery answer balance 'pg.query:UPDATE'   # graded: solved, half or wrong
 *   npm run fault -- mystery reveal           # give up: the fault and its fix
 *   npm run fault -- --file other.flagd.json …   # another flag file (e.g. a private stack's)
 */
import { parseArgs } from 'node:util';
import {
  PRESETS,
  REPO_FLAG_FILE,
  SCENARIOS,
  answerMysteryRound,
  applyPreset,
  currentFaults,
  endMysteryRound,
  readFlagFile,
  scopedInstances,
  isMysterySeed,
  isOff,
  mysteryRound,
  mysteryReveal,
  openMysteryRound,
  parseFaultValue,
  revealMysteryRound,
  startMysteryRound,
  writeFaults,
  type MysteryReveal,
  type MysteryRound,
} from '@paytrace/faults';
import { UsageError, runCli } from '@paytrace/devstack';

const USAGE = `usage: npm run fault -- [--file F] [<flag> <value> [--instance ID[,ID…]] | <preset> | off]
       npm run fault -- [--file F] mystery [--seed N] | mystery answer <service> <operation> | mystery reveal
  flags:   ${SCENARIOS.map((s) => s.flag).join(', ')}
  presets: ${Object.keys(PRESETS).join(', ')}`;

const HOW_TO_ANSWER = 'npm run fault -- mystery answer <service> <operation> | mystery reveal | off';

function printReveal({ round, scenario, operations, setting }: MysteryReveal): void {
  console.log(`the fault: ${setting}`);
  console.log(`  simulates: ${scenario.simulates}`);
  console.log(`  fix:       ${scenario.fix}`);
  const named = operations.length ? operations.map((o) => `${o.operation} (${o.label})`).join(' or ') : scenario.culprit.operation.source;
  console.log(`  the detective names: ${scenario.culprit.service} ${named}`);
  if (round.answers.length) console.log(`  your answers: ${round.answers.map((a) => `${a.service} ${a.operation} (${a.grade})`).join('; ')}`);
  console.log(`replay this round: npm run fault -- mystery --seed ${round.seed}; end it: npm run fault -- off`);
}

/** `mystery …`: start a round, answer it, or give it up. */
function mystery(file: string, args: string[], seedText: string | undefined): void {
  const [verb, service, ...operation] = args;
  if (verb === undefined) {
    const seed = seedText === undefined ? undefined : Number(seedText);
    if (seed !== undefined && (!/^\d+$/.test(seedText!) || !isMysterySeed(seed))) {
      throw new UsageError(`--seed is a whole number from 0 to 4294967295, not "${seedText}"`);
    }
    const round = startMysteryRound(file, seed === undefined ? {} : { seed });
    console.log(`a mystery round is on (seed ${round.seed}): one fault is switched on in ${file}; which, the traces will tell.
  drive load:        npm run load -- --rate 20 --duration 30
  ask the detective: npm run detective -- --since 30s   (or the traces in the web UI)
  then name the service and the operation to fix first:
    ${HOW_TO_ANSWER}`);
    return;
  }
  if (seedText !== undefined) throw new UsageError('--seed goes with "mystery" alone (it starts a round)');
  if (verb === 'answer') {
    if (service === undefined || operation.length === 0) {
      throw new UsageError('mystery answer <service> <operation>, e.g. mystery answer balance pg.query:UPDATE');
    }
    const { grade, round } = answerMysteryRound(file, { service, operation: operation.join(' ') });
    if (grade === 'solved') {
      console.log(`solved, in ${round.answers.length} ${round.answers.length === 1 ? 'try' : 'tries'}.`);
      printReveal(mysteryReveal(round));
    } else if (grade === 'half') {
      console.log(
        `half right: ${service} is the service to fix first, but not ${operation.join(' ')}: which of its spans holds the time (or the errors)?`,
      );
    } else {
      console.log(`wrong: the fault is not in ${service}. Try again, or: npm run fault -- mystery reveal`);
    }
    return;
  }
  if (verb === 'reveal' && service === undefined) {
    printReveal(revealMysteryRound(file));
    return;
  }
  throw new UsageError(`mystery takes nothing (start), "answer <service> <operation>" or "reveal", not "${args.join(' ')}"`);
}

/** Every fault, its value, what it simulates and its fix; while a round is open, only the names. */
function list(file: string, round: MysteryRound | undefined): void {
  const width = Math.max(...SCENARIOS.map((s) => s.flag.length));
  if (round && !round.over) {
    console.log(`a mystery round is on (seed ${round.seed}): ${HOW_TO_ANSWER}`);
    console.log(`\none of these faults in ${file} is on; values and fixes are hidden until the round is over:\n`);
    for (const s of SCENARIOS) console.log(`  ${s.flag}`);
    return;
  }
  const values = currentFaults(file);
  const definitions = readFlagFile(file).flags;
  console.log(`faults in ${file} (the stack applies a change within a second):\n`);
  for (const s of SCENARIOS) {
    const value = values.get(s.flag);
    const definition = definitions[s.flag];
    const scoped = definition && scopedInstances(definition);
    const onValue = scoped ? definition.variants.on : value;
    const shown = isOff(onValue) ? 'off' : `${String(onValue)}${s.unit === 'ms' ? ' ms' : ''}`;
    console.log(`  ${s.flag.padEnd(width)}  ${shown.padEnd(8)} ${scoped ? `(on ${scoped.join(', ')} only) ` : ''}${s.simulates}`);
    console.log(`  ${' '.repeat(width)}  ${' '.repeat(8)} fix: ${s.fix}`);
  }
  if (round) console.log(`\nthe mystery round (seed ${round.seed}) is over (${round.over!.how}); npm run fault -- off ends it`);
}

await runCli(USAGE, async () => {
  const { values: options, positionals } = parseArgs({
    allowPositionals: true,
    options: { file: { type: 'string', default: REPO_FLAG_FILE }, seed: { type: 'string' }, instance: { type: 'string', multiple: true } },
  });
  // --instance balance-2 (repeated, or comma-separated): only those processes (service.instance.id) get the fault.
  const instances = (options.instance ?? [])
    .flatMap((i) => i.split(','))
    .map((i) => i.trim())
    .filter(Boolean);
  if (instances.length && (positionals.length !== 2 || positionals[0] === 'mystery')) {
    throw new UsageError('--instance goes with one flag and its value, e.g. balance-db-latency 40 --instance balance-2');
  }
  const file = options.file;
  const [first, second, ...rest] = positionals;
  if (first === 'mystery') {
    try {
      mystery(file, positionals.slice(1), options.seed);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message);
    }
    return;
  }
  if (options.seed !== undefined) throw new UsageError('--seed goes with "mystery"');
  if (rest.length > 0) throw new UsageError(`unexpected "${rest.join(' ')}"`);
  // A switch flipped mid-round would change the fault under the learner's feet: end the round first.
  if (first !== undefined && first !== 'off' && openMysteryRound(file)) {
    throw new UsageError(`a mystery round is on: ${HOW_TO_ANSWER}`);
  }
  if (first === 'off' && second === undefined) {
    endMysteryRound(file);
  } else if (first !== undefined && second === undefined) {
    if (!PRESETS[first]) throw new UsageError(`"${first}" is neither a preset nor "off"; a flag needs a value`);
    applyPreset(file, first);
  } else if (first !== undefined && second !== undefined) {
    try {
      writeFaults(file, { [first]: parseFaultValue(first, second) }, { instances });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  list(file, mysteryRound(file));
});
