/** upstreamAnswer(): another service's 2xx body checked against the contract it publishes; outside it, a 502 bad_gateway. */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { AppError } from './errors.js';
import { throwIfError, type JsonResponse } from './http-client.js';

/** Compiled once per schema: a check then costs about as much as reading the object. */
const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiled(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  return check;
}

/**
 * The body of a 2xx answer from another paytrace service, checked against the schema that
 * service publishes for it (its `contract` export). An answer outside the contract (a service
 * deployed with another version of it) is a 502 `bad_gateway` naming the first mismatch, rather
 * than a wrong value travelling on into a payment. Non-2xx answers are re-thrown as by
 * `throwIfError`.
 */
export function upstreamAnswer<T extends TSchema>(dependency: string, schema: T, res: JsonResponse): Static<T> {
  throwIfError(dependency, res);
  const check = compiled(schema);
  if (check.Check(res.body)) return res.body as Static<T>;
  const first = check.Errors(res.body).First();
  const where = first ? ` at ${first.path || '/'}: ${first.message}` : '';
  throw new AppError(502, 'bad_gateway', `${dependency} answered outside its contract${where}.`);
}
