/** @paytrace/lab/fidelity: is every payment's trace true? The checker and a driver for it. */
export {
  checkPaymentTrace,
  worstProblem,
  NESTING_TOLERANCE_US,
  PLAIN_SUCCESS_HOPS,
  type Problem,
  type ProblemKind,
  type PaymentTraceExpectation,
} from './check.js';
export {
  drivePayments,
  verifyPayments,
  firstBad,
  formatReport,
  type PaymentAttempt,
  type DriveOptions,
  type BadTrace,
  type FidelityReport,
  type VerifyOptions,
} from './verify.js';
export { tailBaselineKeeps, verifyTailSampled, formatTailReport, COLLECTOR_NAME_ATTRIBUTE, type TailReport, type TailVerifyOptions } from './tail.js';
