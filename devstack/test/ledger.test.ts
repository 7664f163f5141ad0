import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ledgerReport, VIOLATIONS, type LedgerRow } from '../src/ledger.js';

/** A ledger row with no violation; `changes` break it. */
function row(changes: Partial<LedgerRow> = {}): LedgerRow {
  return {
    held_holds: 0,
    held_amount: '0',
    pending_transactions: 0,
    succeeded_without_capture: 0,
    captured_without_success: 0,
    wrong_balances: 0,
    balance_drift: '0',
    payments_charged_twice: 0,
    hold_keys_used_twice: 0,
    open_payments: 0,
    succeeded_payments: 120,
    captured_holds: 120,
    examples: {},
    ...changes,
  };
}

describe('ledgerReport: the verdict on the ledger check’s counts', () => {
  test('no violation: the ledger holds, no problem, the summary says how much it covers', () => {
    const report = ledgerReport(row());
    assert.equal(report.holds, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.summary, 'the ledger holds (120 payments charged, 120 holds captured)');
  });

  test('an empty ledger (just reset) holds too', () => {
    const report = ledgerReport(row({ succeeded_payments: 0, captured_holds: 0 }));
    assert.equal(report.holds, true);
    assert.equal(report.summary, 'the ledger holds (0 payments charged, 0 holds captured)');
  });

  test('each kind of violation alone breaks it, with one problem line of its own', () => {
    for (const violation of VIOLATIONS) {
      const report = ledgerReport(row({ [violation]: 1 }));
      assert.equal(report.holds, false, violation);
      assert.equal(report.problems.length, 1, violation);
    }
  });

  test('held holds are reported with the money they keep debited, apart from wrong balances', () => {
    const report = ledgerReport(row({ held_holds: 3, held_amount: '3', examples: { held_holds: ['pay_a', 'pay_b', 'pay_c'] } }));
    assert.deepEqual(report.problems, ["3 holds are still 'held' (3 cents debited, neither captured nor given back), e.g. pay_a, pay_b, pay_c"]);
  });

  test('several violations: one line each, in a fixed order, with examples where given', () => {
    const report = ledgerReport(
      row({
        open_payments: 2,
        pending_transactions: 1,
        wrong_balances: 1,
        balance_drift: '-5',
        payments_charged_twice: 1,
        examples: { open_payments: ['pay_x', 'pay_y'], wrong_balances: ['acct_load_01 usd'], pending_transactions: null },
      }),
    );
    assert.equal(report.holds, false);
    assert.deepEqual(report.problems, [
      "1 payment has a charge attempt still 'pending'",
      '1 balance differs from seed − captured − held (by -5 cents in all), e.g. acct_load_01 usd',
      '1 payment was charged twice (more than one succeeded transaction)',
      "2 payments are still 'open' in gateway.payments (not settled), e.g. pay_x, pay_y",
    ]);
    assert.equal(report.summary, 'the ledger does NOT hold: 4 problems (120 payments charged, 120 holds captured)');
  });

  test('charged without capture and captured without charge are told apart', () => {
    const [charged] = ledgerReport(row({ succeeded_without_capture: 2 })).problems;
    const [captured] = ledgerReport(row({ captured_without_success: 1 })).problems;
    assert.equal(charged, '2 payments were charged (succeeded) without a captured hold');
    assert.equal(captured, '1 hold was captured without a succeeded transaction');
  });
});
