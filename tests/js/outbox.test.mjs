// The outbox state machine and the per-record outcome rule, without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canTransition, inspectionPhotos, outcomeOf, RECORD_TYPES, STATES } from '../../pwa_static/js/outbox.js';

const ALLOWED = [
  ['draft', 'queued'],
  ['queued', 'sending'],
  ['queued', 'draft'],
  ['sending', 'synced'],
  ['sending', 'rejected'],
  ['sending', 'conflict'],
  ['sending', 'queued'],
  ['rejected', 'draft'],
  ['rejected', 'queued'],
];

test('exactly the documented transitions are allowed', () => {
  const allowed = new Set(ALLOWED.map(([a, b]) => `${a}>${b}`));
  for (const from of STATES) {
    for (const to of STATES) {
      assert.equal(canTransition(from, to), allowed.has(`${from}>${to}`), `${from} → ${to}`);
    }
  }
});

test('nothing leaves synced or conflict, and nothing skips sending', () => {
  assert.equal(canTransition('queued', 'synced'), false);
  assert.equal(canTransition('draft', 'synced'), false);
  assert.equal(canTransition('synced', 'queued'), false);
});

const OUTCOMES = [
  [{ status: 'created' }, 'synced', []],
  [{ status: 'duplicate', missing_photos: [] }, 'synced', []],
  [{ status: 'created', missing_photos: ['a'] }, 'queued', ['a']],
  [{ status: 'duplicate', missing_photos: ['a', 'b'] }, 'queued', ['a', 'b']],
  [{ status: 'conflict' }, 'conflict', []],
  [{ status: 'rejected', errors: { site_code: ['unknown'] } }, 'rejected', []],
  [undefined, 'queued', []],
  [{ status: 'surprise' }, 'queued', []],
];

for (const [result, state, missing] of OUTCOMES) {
  test(`outcome of ${JSON.stringify(result)} is ${state}`, () => {
    const outcome = outcomeOf(result);
    assert.equal(outcome.state, state);
    assert.deepEqual(outcome.missingPhotos, missing);
  });
}

test('a rejected outcome keeps the server reason', () => {
  assert.deepEqual(outcomeOf({ status: 'rejected', errors: { x: ['bad'] } }).error, { x: ['bad'] });
});

test('inspection photos: evidence and after-fix photos, each once', () => {
  const payload = { results: [
    { photos: ['a', 'b'], rectification: { photos: ['c', 'a'] } },
    { photos: ['d'] },
    {},
  ] };
  assert.deepEqual(inspectionPhotos(payload), ['a', 'b', 'c', 'd']);
});

test('every record type names an endpoint, a batch field and its photos', () => {
  for (const [name, spec] of Object.entries(RECORD_TYPES)) {
    assert.match(spec.endpoint, /^\/api\/v1\//, name);
    assert.ok(spec.batchField && spec.batchSize > 0 && typeof spec.photosOf === 'function', name);
  }
});
