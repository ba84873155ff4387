// "My checks" and "checked today" from the outbox records, without a browser.
process.env.TZ = 'Asia/Shanghai'; // the phone's zone: days are its local days

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  byDay,
  checkDay,
  checkState,
  checkedToday,
  failures,
  HISTORY_DAYS,
  sitesForToday,
  submittedChecks,
} from '../../pwa_static/js/history.js';

const NOW = new Date('2026-12-04T10:00:00+08:00');
const TODAY = '2026-12-04';

function check(id, startedAt, fields = {}) {
  return {
    id,
    type: 'inspection',
    state: 'synced',
    site_code: 'B2',
    username: 'wang',
    submitted_at: startedAt,
    payload: { started_at: startedAt, results: [{ item_id: 'EVAC-01', outcome: 'pass' }] },
    ...fields,
  };
}

test('my checks: the last 30 days of submitted inspections, newest first; no drafts, no hazard events', () => {
  const records = [
    check('old', '2026-11-03T09:00:00+08:00'), // 31 days ago
    check('edge', '2026-11-05T10:00:00+08:00'),
    check('yesterday', '2026-12-03T16:00:00+08:00'),
    check('today', '2026-12-04T08:30:00+08:00', { state: 'queued' }),
    check('draft', '2026-12-04T09:00:00+08:00', { state: 'draft' }),
    { id: 'event', type: 'hazard_event', state: 'synced', submitted_at: '2026-12-04T09:10:00+08:00' },
  ];
  assert.equal(HISTORY_DAYS, 30);
  assert.deepEqual(submittedChecks(records, NOW).map((r) => r.id), ['today', 'yesterday', 'edge']);
});

test('a check counts for the local day it was started, not the day it was submitted', () => {
  const lateNight = check('x', '2026-12-03T23:50:00+08:00', { submitted_at: '2026-12-04T07:00:00+08:00' });
  assert.equal(checkDay(lateNight), '2026-12-03');
  const groups = byDay([check('a', '2026-12-04T08:00:00+08:00'), lateNight, check('b', '2026-12-04T07:00:00+08:00')]);
  assert.deepEqual(groups.map((g) => [g.day, g.checks.map((c) => c.id)]), [
    ['2026-12-04', ['a', 'b']],
    ['2026-12-03', ['x']],
  ]);
});

test('states as the inspector needs them', () => {
  const table = [
    [{ state: 'queued' }, 'waiting'],
    [{ state: 'sending' }, 'waiting'],
    [{ state: 'queued', server_status: 'created', missing_photos: ['a'.repeat(64)] }, 'photos'],
    [{ state: 'queued', server_status: 'created', missing_photos: [] }, 'waiting'],
    [{ state: 'synced' }, 'synced'],
    [{ state: 'rejected', last_error: { error: 'rejected' } }, 'refused'],
    [{ state: 'conflict' }, 'conflict'],
  ];
  for (const [fields, expected] of table) assert.equal(checkState(fields), expected, JSON.stringify(fields));
});

test('failures counts failed items of what was submitted', () => {
  const record = check('f', '2026-12-04T08:00:00+08:00');
  record.payload.results.push({ item_id: 'EVAC-02', outcome: 'fail' }, { item_id: 'FIRE-01', outcome: 'na' });
  assert.deepEqual(failures(record), { failed: 1, total: 3 });
});

test('checked today: by this phone at once, refused and draft records do not count', () => {
  const site = { code: 'B2', items_day: TODAY, checked_today: null };
  assert.equal(checkedToday(site, [check('d', '2026-12-04T08:00:00+08:00', { state: 'draft' })], TODAY), null);
  assert.equal(checkedToday(site, [check('r', '2026-12-04T08:00:00+08:00', { state: 'rejected' })], TODAY), null);
  assert.equal(checkedToday(site, [check('y', '2026-12-03T08:00:00+08:00')], TODAY), null);
  const queued = check('q', '2026-12-04T08:00:00+08:00', { state: 'queued' });
  const mine = checkedToday(site, [queued], TODAY);
  assert.equal(mine.source, 'phone');
  assert.equal(mine.record.id, 'q');
  assert.equal(checkedToday({ ...site, code: 'OTHER' }, [queued], TODAY), null);
});

test('checked today: the server word counts only if the cached list is of today; the later check wins', () => {
  const server = { at: '2026-12-04T01:00:00Z', by: '李四' }; // 09:00 local
  const stale = { code: 'B2', items_day: '2026-12-03', checked_today: server };
  assert.equal(checkedToday(stale, [], TODAY), null);
  const fresh = { ...stale, items_day: TODAY };
  assert.deepEqual(checkedToday(fresh, [], TODAY), { ...server, source: 'server' });
  const earlier = check('e', '2026-12-04T08:00:00+08:00');
  assert.equal(checkedToday(fresh, [earlier], TODAY).source, 'server');
  const later = check('l', '2026-12-04T09:30:00+08:00');
  assert.equal(checkedToday(fresh, [later], TODAY).source, 'phone');
});

test('sites to check come first, then those checked today, each by code', () => {
  const sites = [
    { code: 'C3', items_day: TODAY, checked_today: { at: '2026-12-04T01:00:00Z', by: '李四' } },
    { code: 'A1', items_day: TODAY, checked_today: null },
    { code: 'B2', items_day: TODAY, checked_today: null },
    { code: 'D4', items_day: TODAY, checked_today: null },
  ];
  const records = [check('mine', '2026-12-04T08:00:00+08:00', { site_code: 'B2', state: 'queued' })];
  const order = sitesForToday(sites, records, TODAY).map((row) => [row.site.code, row.checked?.source || null]);
  assert.deepEqual(order, [['A1', null], ['D4', null], ['B2', 'phone'], ['C3', 'server']]);
});
