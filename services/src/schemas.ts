/** TypeBox schemas of a payment's fields that every service checks alike: Amount, Currency, Description. */
import { Type } from '@sinclair/typebox';

/** An amount of money in minor units: the one bound every service checks a payment against. */
export const Amount = Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Minor units (cents).' });

/** Currencies accepted (ISO 4217, lower case, as the Stripe API writes them). */
export const Currency = Type.Union([Type.Literal('usd'), Type.Literal('eur'), Type.Literal('gbp'), Type.Literal('chf'), Type.Literal('cad')], {
  description: 'ISO 4217 code, lower case.',
});

/**
 * A payment's free-text description, stored in Postgres and sent to Stripe. Postgres text cannot
 * hold a NUL character, so one is refused here (a 400) rather than failing the insert (a 500).
 */
export const Description = Type.String({ maxLength: 200, pattern: '^[^\\u0000]*$' });
