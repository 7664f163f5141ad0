import { Type } from '@sinclair/typebox';

/**
 * One payment attempt as payments' transaction log shows it, and as the gateway passes it on in
 * GET /accounts/me: one schema for both ends of that contract.
 */
export const TransactionViewSchema = Type.Object({
  payment_id: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  failure_code: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});
