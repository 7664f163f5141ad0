/**
 * The load tests' traffic mix, typed: loadtest/traffic-mix.js is its one definition, read as it is
 * by k6's loadtest/payments.js and through this module by the lab's generators (Vegeta's targets,
 * openLoad) and the fault catalog's load.
 */
export {
  DEFAULT_RATE,
  LOAD_API_KEYS,
  SHARES,
  CYCLE,
  EXPECTED_STATUS,
  REFUSAL,
  INVALID_BODY,
  paymentAt,
  requestAt,
  concurrency,
  type RequestKind,
  type MixRequest,
  type PaymentBody,
} from '@paytrace/loadtest/traffic-mix';
