// `npm run fault -- mystery …` as a learner types it, on a private flag file: no server, but 16 CLI processes (~17 s), so it runs with npm test rather than test:unit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import {
  REPO_FLAG_FILE,
  SCENARIOS,
  culpritOperations,
  currentFaults,
  isOff,
  mysteryRoundFile,
  pickMystery,
  type MysteryRound,
} from '@paytrace/faults';

const FAULT = fileURLToPath(new URL('../scripts/fault.ts', import.meta.url));

test('npm run fault -- mystery: start (seeded), the listing hides the answer, answers graded, reveal, off', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paytrace-fault-cli-'));
  try {
    const file = join(dir, 'paytrace.flagd.json');
    copyFileSync(REPO_FLAG_FILE, file);
    const fault = (...args: string[]) => execa(process.execPath, ['--import', 'tsx', FAULT, '--file', file, ...args], { reject: false });
    // A numeric fault, so its value could give it away in the listing.
    const seed = Array.from({ length: 500 }, (_, i) => i).find((s) => pickMystery(s).flag === 'balance-db-latency')!;
    const { flag, value } = pickMystery(seed);
    const s = SCENARIOS.find((x) => x.flag === flag)!;

    const started = await fault('mystery', '--seed', String(seed));
    assert.equal(started.exitCode, 0, started.stderr);
    assert.match(started.stdout, new RegExp(`^a mystery round is on \\(seed ${seed}\\)`));
    const round = JSON.parse(readFileSync(mysteryRoundFile(file), 'utf8')) as MysteryRound;
    assert.deepEqual([round.flag, round.value], [flag, value]);
    assert.deepEqual(Object.fromEntries([...currentFaults(file)].filter(([, v]) => !isOff(v))), { [flag]: value });

    const secrets = [s.simulates, s.fix, String(value), 'fix:', ' ms'];
    for (const out of [started.stdout, (await fault()).stdout]) {
      for (const secret of secrets) assert.ok(!out.includes(secret), `while the round is on, the CLI prints "${secret}":\n${out}`);
    }
    const listing = await fault();
    assert.match(
      listing.stdout,
      new RegExp(`^a mystery round is on \\(seed ${seed}\\): npm run fault -- mystery answer <service> <operation> \\| mystery reveal \\| off`),
    );

    const flipped = await fault('stripe-latency', '300');
    assert.equal(flipped.exitCode, 2, 'no switching under a round');
    assert.match(flipped.stderr, /a mystery round is on/);

    const wrong = await fault('mystery', 'answer', 'auth', 'pg.query:SELECT');
    assert.equal(wrong.exitCode, 0, wrong.stderr);
    assert.match(wrong.stdout, /^wrong: the fault is not in auth/);
    const half = await fault('mystery', 'answer', 'balance', 'POST', '/v1/holds');
    assert.match(half.stdout, /^half right: balance is the service to fix first, but not POST \/v1\/holds/);
    const right = await fault('mystery', 'answer', 'balance', 'UPDATE balance.balances SET balance = …');
    assert.match(right.stdout, /^solved, in 3 tries\.\nthe fault: balance-db-latency = \d+ ms\n/);
    assert.ok(right.stdout.includes(`fix:       ${s.fix}`));
    assert.ok(right.stdout.includes(`the detective names: balance ${culpritOperations(flag)[0]!.operation}`));
    const again = await fault('mystery', 'answer', 'balance', 'pg.query:UPDATE');
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /no mystery round is open/);

    // Over: the listing shows values again; reveal says it again.
    assert.match((await fault()).stdout, new RegExp(`${flag} +${value} ms`));
    const reveal = await fault('mystery', 'reveal');
    assert.match(reveal.stdout, new RegExp(`^the fault: ${flag} = ${value} ms\n  simulates: `));
    assert.match(reveal.stdout, /your answers: auth pg\.query:SELECT \(wrong\); balance POST \/v1\/holds \(half\); balance UPDATE .* \(solved\)/);

    // A round given up, then off.
    await fault('mystery', '--seed', '42');
    const gaveUp = await fault('mystery', 'reveal');
    assert.match(gaveUp.stdout, new RegExp(`^the fault: ${pickMystery(42).flag} = `));
    assert.match(gaveUp.stdout, /replay this round: npm run fault -- mystery --seed 42/);
    const off = await fault('off');
    assert.equal(off.exitCode, 0);
    assert.equal(existsSync(mysteryRoundFile(file)), false);
    assert.equal(readFileSync(file, 'utf8'), readFileSync(REPO_FLAG_FILE, 'utf8'));
    const none = await fault('mystery', 'reveal');
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /no mystery round is on/);
    const badSeed = await fault('mystery', '--seed', 'x');
    assert.equal(badSeed.exitCode, 2);
    assert.match(badSeed.stderr, /--seed is a whole number/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
