/**
 * A mystery round on disk: the fault a seed picked, switched on in the flag file (by the flag-file
 * functions, like every switch), and the round itself in a small JSON file beside it
 * (`.mystery-round.json`, git-ignored) that the CLI and the UI both read: its seed, what is on, the
 * answers given and their grades, and whether it is over (solved, or given up).
 */
import { randomInt } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { scenario, type FaultScenario, type FaultValue } from './catalog.js';
import { clearFaults, currentFaults, isOff, writeFaults } from './flag-file.js';
import { culpritOperations, gradeAnswer, type MysteryAnswer, type MysteryGrade, type TraceOperation } from './mystery-grading.js';
import { pickMystery, type MysteryPick } from './mystery.js';

export interface GradedAnswer extends MysteryAnswer {
  at: string;
  grade: MysteryGrade;
}

export interface MysteryRound extends MysteryPick {
  /** ISO time the fault went on: the detective's window starts here. */
  startedAt: string;
  answers: GradedAnswer[];
  /** Set once the round is over: solved, or given up (the answer is shown either way). */
  over?: { at: string; how: 'solved' | 'given up' };
}

/** What the answer was, once a round is over: the fault, its strength and scene, its fix, what counted. */
export interface MysteryReveal {
  round: MysteryRound;
  scenario: FaultScenario;
  /** The listed operations that count as the culprit's (the catalog's pattern, for free text). */
  operations: TraceOperation[];
  /** The fault as set, in words: `stripe-pool-size = 1 connections (scene: stripe-latency = 20 ms)`. */
  setting: string;
}

/** A fault's value in words: `on`, `350 ms`, `0.3 share of requests`. */
export function faultSetting(flag: string, value: FaultValue): string {
  const unit = scenario(flag)?.unit;
  return `${flag} = ${typeof value === 'boolean' ? (value ? 'on' : 'off') : `${value}${unit ? ` ${unit}` : ''}`}`;
}

/** Where a flag file's round lives: beside it, so a private copy of the flag file has its own. */
export const mysteryRoundFile = (flagFile: string): string => join(dirname(flagFile), '.mystery-round.json');

/** The faults a round switches on: its scene and its fault. */
const roundFaults = (round: MysteryPick): Record<string, FaultValue> => ({ ...round.scene, [round.flag]: round.value });

/**
 * The flag file's round, if one is in force: the round file exists and the flag file has exactly
 * its faults on. A round whose faults were switched since (by hand, or an older tool) is over
 * without a word: it is no longer the fault in the traces.
 */
export function mysteryRound(flagFile: string): MysteryRound | undefined {
  let round: MysteryRound;
  try {
    round = JSON.parse(readFileSync(mysteryRoundFile(flagFile), 'utf8')) as MysteryRound;
  } catch (err) {
    // None, or not one this code wrote (edited by hand): no round, and `off` or a new round replaces it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return undefined;
    throw err;
  }
  const wanted = roundFaults(round);
  for (const [flag, value] of currentFaults(flagFile)) {
    if (isOff(wanted[flag]) ? !isOff(value) : value !== wanted[flag]) return undefined;
  }
  return round;
}

/** The round in force and not over yet: while there is one, the answer stays out of sight. */
export function openMysteryRound(flagFile: string): MysteryRound | undefined {
  const round = mysteryRound(flagFile);
  return round && !round.over ? round : undefined;
}

/** Atomically, like the flag file: a reader never sees half a round. */
function writeRound(flagFile: string, round: MysteryRound): void {
  const file = mysteryRoundFile(flagFile);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(round, null, 2)}\n`);
  renameSync(temporary, file);
}

export interface StartMysteryOptions {
  /** Replays a round (default: a random seed). */
  seed?: number;
  /** The clock (default: now). */
  now?: Date;
}

/**
 * Starts a round: every fault off, then the seed's pick on (with its scene), then the round file.
 * Replaces a round already on.
 */
export function startMysteryRound(flagFile: string, options: StartMysteryOptions = {}): MysteryRound {
  const pick = pickMystery(options.seed ?? randomInt(0, 2 ** 32));
  clearFaults(flagFile);
  writeFaults(flagFile, roundFaults(pick), { othersOff: true });
  const round: MysteryRound = { ...pick, startedAt: (options.now ?? new Date()).toISOString(), answers: [] };
  writeRound(flagFile, round);
  return round;
}

/** Grades an answer to the open round; solved ends it. Throws if no round is open. */
export function answerMysteryRound(flagFile: string, answer: MysteryAnswer, now = new Date()): { grade: MysteryGrade; round: MysteryRound } {
  const round = openMysteryRound(flagFile);
  if (!round) throw new Error('no mystery round is open (start one: npm run fault -- mystery)');
  const grade = gradeAnswer(round.flag, answer);
  const at = now.toISOString();
  round.answers.push({ service: answer.service.trim(), operation: answer.operation.trim(), at, grade });
  if (grade === 'solved') round.over = { at, how: 'solved' };
  writeRound(flagFile, round);
  return { grade, round };
}

/** The answer: gives the open round up (or shows a finished one's again). Throws if there is no round. */
export function revealMysteryRound(flagFile: string, now = new Date()): MysteryReveal {
  const round = mysteryRound(flagFile);
  if (!round) throw new Error('no mystery round is on (start one: npm run fault -- mystery)');
  if (!round.over) {
    round.over = { at: now.toISOString(), how: 'given up' };
    writeRound(flagFile, round);
  }
  return mysteryReveal(round);
}

/** A finished round's answer (callers check it is over: this does not). */
export function mysteryReveal(round: MysteryRound): MysteryReveal {
  const known = scenario(round.flag);
  if (!known) throw new Error(`the round's fault "${round.flag}" is not in the catalog`);
  const scene = Object.entries(round.scene).map(([flag, value]) => faultSetting(flag, value));
  const setting = `${faultSetting(round.flag, round.value)}${scene.length ? ` (scene: ${scene.join(', ')})` : ''}`;
  return { round, scenario: known, operations: culpritOperations(round.flag), setting };
}

/** Every fault off, and the round (if any) gone. */
export function endMysteryRound(flagFile: string): void {
  clearFaults(flagFile);
  rmSync(mysteryRoundFile(flagFile), { force: true });
}
