import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultServiceInstanceId, serviceInstanceId } from '../src/instance-id.js';

test('serviceInstanceId reads service.instance.id from OTEL_RESOURCE_ATTRIBUTES, percent-decoded, the last one winning', () => {
  assert.equal(serviceInstanceId({}), undefined);
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci' }), undefined);
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'a=b, service.instance.id = balance-2 ' }), 'balance-2');
  assert.equal(serviceInstanceId({ OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=x,service.instance.id=balance%2D1' }), 'balance-1');
});

test('defaultServiceInstanceId keeps an id that is set and adds a random UUID when none is', () => {
  const set = { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=auth-3' };
  assert.equal(defaultServiceInstanceId(set), 'auth-3');
  assert.equal(set.OTEL_RESOURCE_ATTRIBUTES, 'service.instance.id=auth-3');
  const env: NodeJS.ProcessEnv = { OTEL_RESOURCE_ATTRIBUTES: 'team=payments' };
  const id = defaultServiceInstanceId(env);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(env.OTEL_RESOURCE_ATTRIBUTES, `team=payments,service.instance.id=${id}`);
  assert.equal(serviceInstanceId(env), id);
  assert.notEqual(defaultServiceInstanceId({}), defaultServiceInstanceId({}));
});
