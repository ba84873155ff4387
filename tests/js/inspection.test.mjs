// The phone's form rules, in Node (run with TZ=Asia/Shanghai by tests/test_pwa.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { buildPayload, formItems, groupByCategory, progress, validateDraft } from '../../pwa_static/js/inspection.js';

const contract = JSON.parse(readFileSync(new URL('../contract/inspection_sync.json', import.meta.url)));
const template = { id: 1, items: contract.items };

test('builds exactly the contract payload from the contract draft', () => {
  const items = formItems(template, contract.site);
  const payload = buildPayload(contract.draft, items, new Date(contract.finished_at));
  assert.deepEqual(payload, contract.payload);
});

test('the contract draft is valid on the phone', () => {
  assert.deepEqual(validateDraft(contract.draft, formItems(template, contract.site), '2026-11-30'), {});
});

test('form items follow the site item_ids, in template order, grouped by category', () => {
  const items = formItems(template, { item_ids: ['FIRE-05', 'EVAC-02'] });
  assert.deepEqual(items.map((i) => i.id), ['EVAC-02', 'FIRE-05']);
  assert.deepEqual(groupByCategory(items).map((g) => g.category), ['EVAC', 'FIRE']);
});

const item = (over = {}) => ({ id: 'X-01', category: 'X', photo_required_on_fail: false, ...over });
const draftWith = (result) => ({ form: { results: { 'X-01': result } } });

const CASES = [
  ['no outcome', item(), {}, { outcome: 'err_outcome' }],
  ['pass', item(), { outcome: 'pass' }, {}],
  ['fail without rectification', item(), { outcome: 'fail' }, { mode: 'err_rect_mode' }],
  ['on the spot without action', item(), { outcome: 'fail', rect: { mode: 'on_spot', action: '  ' } }, { action: 'err_action' }],
  ['photo required: evidence and after photo', item({ photo_required_on_fail: true }),
    { outcome: 'fail', rect: { mode: 'on_spot', action: 'done' } },
    { photos: 'err_photo', after_photos: 'err_after_photo' }],
  ['order complete', item(), { outcome: 'fail', rect: { mode: 'order', responsible: '李', deadline: '2026-12-01', measures: 'm' } }, {}],
  ['order missing everything', item(), { outcome: 'fail', rect: { mode: 'order' } },
    { responsible: 'err_responsible', deadline: 'err_deadline', measures: 'err_measures' }],
  ['order deadline in the past', item(), { outcome: 'fail', rect: { mode: 'order', responsible: '李', deadline: '2026-11-29', measures: 'm' } },
    { deadline: 'err_deadline' }],
  ['negative funds', item(), { outcome: 'fail', rect: { mode: 'order', responsible: '李', deadline: '2026-12-01', measures: 'm', funds_amount: '-1' } },
    { funds_amount: 'err_funds' }],
];

for (const [name, it, result, expected] of CASES) {
  test(`validate: ${name}`, () => {
    const errors = validateDraft(draftWith(result), [it], '2026-11-30');
    assert.deepEqual(errors['X-01'] || {}, expected);
  });
}

test('progress counts answered items', () => {
  const items = formItems(template, contract.site);
  assert.deepEqual(progress({ form: { results: { 'EVAC-01': { outcome: 'pass' } } } }, items), { done: 1, total: 4 });
});
