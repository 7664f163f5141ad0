import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { BaseConfigSchema, DatabaseConfigSchema, loadConfig } from '../src/config.js';

/** A service's schema as the services build theirs: the shared settings plus its own. */
const schema = {
  ...BaseConfigSchema,
  ...DatabaseConfigSchema,
  PORT: Type.Integer({ minimum: 1, maximum: 65535 }),
  STRIPE_ENABLED: Type.Boolean({ default: false }),
};

const load = (env: Record<string, string>) => loadConfig(schema, env);

describe('loadConfig: valid settings', () => {
  test('defaults fill what is not set; only the required value must be given', () => {
    assert.deepEqual(load({ PORT: '3001' }), {
      PORT: 3001,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      MAX_EVENT_LOOP_DELAY_MS: 500,
      MAX_EVENT_LOOP_UTILIZATION: 0,
      DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5433/paytrace',
      DATABASE_POOL_SIZE: 10,
      DATABASE_STATEMENT_TIMEOUT_MS: 5_000,
      DATABASE_WAIT_SAMPLE_AFTER_MS: 5,
      DATABASE_WAIT_SAMPLE_INTERVAL_MS: 5,
      STRIPE_ENABLED: false,
    });
  });

  test('strings from the environment become typed values', () => {
    const config = load({
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'debug',
      SHUTDOWN_TIMEOUT_MS: '2500',
      DATABASE_URL: 'postgres://u:p@db:5432/x',
      DATABASE_POOL_SIZE: '100',
      DATABASE_STATEMENT_TIMEOUT_MS: '100',
      STRIPE_ENABLED: 'true',
    });
    assert.strictEqual(config.PORT, 8080);
    assert.strictEqual(config.SHUTDOWN_TIMEOUT_MS, 2500);
    assert.strictEqual(config.DATABASE_POOL_SIZE, 100);
    assert.strictEqual(config.DATABASE_STATEMENT_TIMEOUT_MS, 100);
    assert.strictEqual(config.STRIPE_ENABLED, true);
    assert.equal(config.HOST, '0.0.0.0');
    assert.equal(config.LOG_LEVEL, 'debug');
    assert.equal(config.DATABASE_URL, 'postgres://u:p@db:5432/x');
  });

  test('every documented log level is accepted', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) {
      assert.equal(load({ PORT: '1', LOG_LEVEL: level }).LOG_LEVEL, level);
    }
  });

  test('reads only the env it is given, and leaves it unchanged', () => {
    const env = { PORT: '3001', UNRELATED: 'x' };
    const config = loadConfig(schema, env);
    assert.deepEqual(env, { PORT: '3001', UNRELATED: 'x' }, 'no defaults or coerced values written back');
    assert.equal(config.PORT, 3001);
  });

  test('without an env argument it reads process.env', () => {
    const name = 'PAYTRACE_CONFIG_TEST_PORT';
    process.env[name] = '4321';
    try {
      assert.deepEqual(loadConfig({ [name]: Type.Integer() }), { [name]: 4321 });
    } finally {
      delete process.env[name];
    }
  });
});

describe('loadConfig: bad settings stop the boot with a message naming the variable', () => {
  const rejects = (env: Record<string, string>, message: RegExp) => assert.throws(() => load(env), message);

  test('a missing required value', () => {
    rejects({}, /must have required property 'PORT'/);
  });

  test('a number that is not one', () => {
    rejects({ PORT: 'abc' }, /PORT must be integer/);
    rejects({ PORT: '3001', SHUTDOWN_TIMEOUT_MS: '12.5' }, /SHUTDOWN_TIMEOUT_MS must be integer/);
    rejects({ PORT: '3001', SHUTDOWN_TIMEOUT_MS: '' }, /SHUTDOWN_TIMEOUT_MS must be integer/);
  });

  test('a number out of its range', () => {
    rejects({ PORT: '70000' }, /PORT must be <= 65535/);
    rejects({ PORT: '0' }, /PORT must be >= 1/);
    rejects({ PORT: '3001', DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE must be >= 1/);
    rejects({ PORT: '3001', DATABASE_POOL_SIZE: '101' }, /DATABASE_POOL_SIZE must be <= 100/);
    rejects({ PORT: '3001', SHUTDOWN_TIMEOUT_MS: '99' }, /SHUTDOWN_TIMEOUT_MS must be >= 100/);
    rejects({ PORT: '3001', DATABASE_STATEMENT_TIMEOUT_MS: '-1' }, /DATABASE_STATEMENT_TIMEOUT_MS must be >= 100/);
    rejects({ PORT: '3001', MAX_EVENT_LOOP_DELAY_MS: '-1' }, /MAX_EVENT_LOOP_DELAY_MS must be >= 0/);
    rejects({ PORT: '3001', MAX_EVENT_LOOP_UTILIZATION: '1.5' }, /MAX_EVENT_LOOP_UTILIZATION must be <= 1/);
    rejects({ PORT: '3001', DATABASE_WAIT_SAMPLE_AFTER_MS: '-1' }, /DATABASE_WAIT_SAMPLE_AFTER_MS must be >= 0/);
    rejects({ PORT: '3001', DATABASE_WAIT_SAMPLE_INTERVAL_MS: '0' }, /DATABASE_WAIT_SAMPLE_INTERVAL_MS must be >= 1/);
  });

  test('a log level that does not exist', () => {
    rejects({ PORT: '3001', LOG_LEVEL: 'verbose' }, /LOG_LEVEL must/);
    rejects({ PORT: '3001', LOG_LEVEL: 'INFO' }, /LOG_LEVEL must/);
  });

  test('a boolean that is not true or false', () => {
    rejects({ PORT: '3001', STRIPE_ENABLED: 'yes' }, /STRIPE_ENABLED must be boolean/);
  });
});
