// The header badge: 离线 whenever the server cannot be reached, never 已同步 then.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { badgeOf } from '../../pwa_static/js/ui/sync-badge.js';

const counts = (pending = 0, rejected = 0) => ({ pending, rejected });

test('offline, by the browser or by the last request to our server, says 离线', () => {
  assert.deepEqual(badgeOf(counts(), { phase: 'idle' }, false), { kind: 'offline', text: '离线' });
  assert.deepEqual(badgeOf(counts(), { phase: 'offline' }, true), { kind: 'offline', text: '离线' });
  assert.deepEqual(badgeOf(counts(2, 1), { phase: 'offline' }, true), { kind: 'offline', text: '离线 ↑2' });
});

test('online: needs attention, waiting, or synced', () => {
  assert.equal(badgeOf(counts(), { phase: 'idle' }, true).text, '✓ 已同步');
  assert.equal(badgeOf(counts(3), { phase: 'syncing' }, true).text, '⟳ 待同步 3');
  assert.equal(badgeOf(counts(0, 1), { phase: 'idle' }, true).kind, 'bad');
  assert.equal(badgeOf(counts(), { phase: 'needs_login' }, false).kind, 'warn');
});
