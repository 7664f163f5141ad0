import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrl } from './support/env.js';
import { resetData } from './support/db.js';
import { startFaultStack, type FaultStack } from './support/fault-stack.js';
import { SCENARIOS, clearFaults, strengthsOf, writeFaults } from '@paytrace/faults';

/**
 * A mystery round may pick a numeric fault weaker than the catalog's example (which
 * test/detective.test.ts checks): at the weakest strength it can pick, the detective's aggregate
 * verdict must still name the scenario's culprit, or the round could not be solved from the traces.
 * The same stack and load as test/detective.test.ts (FaultStack.judge).
 */
const APPLIED_WITHIN_MS = 2_000;

/** Each numeric scenario whose weakest mystery strength is below its example, at that strength. */
const WEAKEST = SCENARIOS.filter((s) => s.type === 'number').flatMap((s) => {
  const weakest = Math.min(...strengthsOf(s).map(Number));
  return weakest < Number(s.onValue) ? [{ scenario: s, value: weakest }] : [];
});

describe('a mystery round’s weakest strengths are still named by the detective', () => {
  let faults: FaultStack;
  let flagFile: string;

  before(async () => {
    await resetData(databaseUrl);
    faults = await startFaultStack({ name: 'mystery-strengths' });
    ({ flagFile } = faults);
  });
  after(async () => {
    await faults?.stop();
  });

  test('there are weaker strengths to check', () => {
    assert.ok(WEAKEST.length >= 3, WEAKEST.map((w) => w.scenario.flag).join(', '));
  });

  for (const { scenario, value } of WEAKEST) {
    test(`${scenario.flag} at ${value} (its example: ${String(scenario.onValue)}): the verdict names ${scenario.culprit.service} ${scenario.culprit.operation.source}`, async (t) => {
      writeFaults(flagFile, { ...scenario.scene, [scenario.flag]: value }, { othersOff: true });
      await sleep(APPLIED_WITHIN_MS);
      const { verdict: v } = await faults.judge(scenario);
      clearFaults(flagFile);
      const top = v.operations
        .slice(0, 3)
        .map((o) => `${o.service} ${o.operation} ${(o.mean * 100).toFixed(0)}%`)
        .join(', ');
      t.diagnostic(`${v.sentence}\n  top: ${top}`);
      assert.equal(v.culprit?.service, scenario.culprit.service, `${v.sentence}\n  top: ${top}`);
      assert.equal(v.culprit?.kind, scenario.culprit.kind, v.sentence);
      assert.match(v.culprit?.operation ?? '', scenario.culprit.operation, v.sentence);
      await sleep(APPLIED_WITHIN_MS);
    });
  }
});
