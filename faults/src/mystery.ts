/**
 * Play the detective: a seeded pick of one fault scenario (and, for a numeric one, its strength),
 * so the learner finds the cause in the traces instead of reading it off the switch they flipped.
 * The same seed picks the same fault, so a round can be replayed. Pure functions.
 */
import { SCENARIOS, type FaultScenario, type FaultValue } from './catalog.js';

/**
 * The strengths a round may pick for each numeric fault: each strong enough that the detective's
 * aggregate verdict still names the scenario's culprit (the catalog's `onValue`, which
 * test/detective.test.ts checks, is among them, and none is far below it), none so strong that
 * the stack falls over instead of slowing down. Boolean faults have one strength: on.
 */
export const MYSTERY_STRENGTHS: Readonly<Record<string, readonly number[]>> = {
  'stripe-latency': [150, 200, 250, 300, 350, 400, 450],
  'stripe-error-rate': [0.2, 0.3, 0.4, 0.5],
  // A pool of 2 or more barely queues at the load that shows it; 1 is the lesson.
  'stripe-pool-size': [1],
  'auth-db-latency': [30, 40, 50, 60, 80],
  'balance-db-latency': [15, 20, 25, 30, 40],
  // Not below 15: at 10 ms payments' two round trips stay just under the verdict's 20 % (catalog.ts).
  'payments-db-latency': [15, 20, 25, 30],
};

/** What a round switches on: the scenario's flag at a strength, and the faults that set its scene. */
export interface MysteryPick {
  seed: number;
  flag: string;
  value: FaultValue;
  scene: Readonly<Record<string, FaultValue>>;
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): a well-known tiny PRNG, plenty for picking one
 * of nine faults, and the same numbers on every machine for a seed.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed is a whole number from 0 to 2³²−1 (what mulberry32 takes), typed or random. */
export const isMysterySeed = (seed: number): boolean => Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff;

/** The strengths a scenario can be picked at (its `onValue` alone for a boolean one). */
export function strengthsOf(s: FaultScenario): readonly FaultValue[] {
  return s.type === 'number' ? (MYSTERY_STRENGTHS[s.flag] ?? [s.onValue]) : [s.onValue];
}

/**
 * The fault a seed picks: a scenario (each equally likely), then one of its strengths. The order
 * of SCENARIOS and MYSTERY_STRENGTHS is part of the replay: changing either changes old seeds.
 */
export function pickMystery(seed: number, scenarios: readonly FaultScenario[] = SCENARIOS): MysteryPick {
  if (!isMysterySeed(seed)) throw new Error(`a mystery seed is a whole number from 0 to ${0xffffffff}, not ${seed}`);
  const random = mulberry32(seed);
  const scenario = scenarios[Math.floor(random() * scenarios.length)]!;
  const strengths = strengthsOf(scenario);
  const value = strengths[Math.floor(random() * strengths.length)]!;
  return { seed, flag: scenario.flag, value, scene: { ...scenario.scene } };
}
