// Exponential backoff with jitter.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { backoffDelay, BASE_MS, MAX_MS } from '../../pwa_static/js/backoff.js';

test('no failures, no wait', () => {
  assert.equal(backoffDelay(0), 0);
});

for (const failures of [1, 2, 3, 5, 8]) {
  test(`after ${failures} failures the wait lies in [ceiling/2, ceiling]`, () => {
    const ceiling = Math.min(MAX_MS, BASE_MS * 2 ** (failures - 1));
    assert.equal(backoffDelay(failures, { random: () => 0 }), ceiling / 2);
    assert.equal(backoffDelay(failures, { random: () => 1 }), ceiling);
  });
}

test('capped at the maximum however many failures', () => {
  assert.equal(backoffDelay(1000, { random: () => 1 }), MAX_MS);
});

test('jitter spreads phones apart', () => {
  const waits = new Set(Array.from({ length: 20 }, () => backoffDelay(4)));
  assert.ok(waits.size > 10);
});
