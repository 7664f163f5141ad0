// Types of traffic-mix.js (the one definition of the load tests' traffic) for TypeScript.

export type RequestKind = 'payment' | 'insufficient_funds' | 'invalid';

export interface PaymentBody {
  amount: number;
  currency: string;
  description?: string;
}

/** One request of the mix: who sends it, what, and the status it must get. */
export interface MixRequest {
  kind: RequestKind;
  apiKey: string;
  body: PaymentBody;
  expectedStatus: number;
}

export declare const DEFAULT_RATE: number;
export declare const LOAD_API_KEYS: readonly string[];
export declare const SHARES: Readonly<Record<RequestKind, number>>;
export declare const CYCLE: number;
export declare const EXPECTED_STATUS: Readonly<Record<RequestKind, number>>;
export declare const REFUSAL: { readonly apiKey: string; readonly body: PaymentBody };
export declare const INVALID_BODY: PaymentBody;
export declare function paymentAt(n: number): MixRequest;
export declare function requestAt(i: number): MixRequest;
export declare function concurrency(rate: number): { initial: number; max: number };
