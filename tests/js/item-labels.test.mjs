// Checklist items are shown by their labels, not their codes (pwa_static/js/item-labels.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';

import { describeError, describePath, indexItems, itemLabel } from '../../pwa_static/js/item-labels.js';

const contract = JSON.parse(readFileSync(new URL('../contract/inspection_sync.json', import.meta.url)));
const index = indexItems([{ id: 1, items: contract.items }]);
const record = { payload: contract.payload };

function speak(language) {
  globalThis.localStorage = { getItem: () => language, setItem() {} };
}

afterEach(() => {
  delete globalThis.localStorage;
});

const labelOf = (position) => {
  const item = contract.items.find((i) => i.id === contract.payload.results[position].item_id);
  return { id: item.id, zh: item.label_zh, en: item.label_en };
};

test('a rejected record names the item by its label, the code only in brackets', () => {
  const item = labelOf(1);
  const error = { error: 'rejected', fields: { 'results.1.rectification.deadline': ['Must not be in the past.'] } };
  const text = describeError(error, record, index);
  assert.equal(text, `${item.zh} (${item.id}) · 整改期限: Must not be in the past.`);
  assert.ok(!text.startsWith(item.id) && !text.includes(`${item.id} deadline`));
});

test('in English the label is English', () => {
  speak('en');
  const item = labelOf(0);
  const text = describePath('results.0.photos', record, index);
  assert.equal(text, `${item.en} (${item.id}) · Photos`);
});

test('paths outside the results, and items not cached, stay readable', () => {
  assert.equal(describePath('site_code', record, index), 'site_code');
  assert.equal(describePath('results.9.note', record, index), '#10 · 备注');
  assert.equal(describePath('results.0', record, new Map()), `${labelOf(0).id} (${labelOf(0).id})`);
  assert.equal(describeError({ status: 500, error: 'server' }, record, index), 'HTTP 500 · server');
});

test('itemLabel: a known Chinese label wins in Chinese; English comes from the template', () => {
  const item = labelOf(0);
  assert.equal(itemLabel(item.id, index, '找到时的名称'), '找到时的名称');
  assert.equal(itemLabel(item.id, index, item.id), item.zh); // a "label" that is only the code
  assert.equal(itemLabel(item.id, index), item.zh);
  speak('en');
  assert.equal(itemLabel(item.id, index, '找到时的名称'), item.en);
  assert.equal(itemLabel('NOPE-01', index, '未知项'), '未知项');
  assert.equal(itemLabel('NOPE-01', index), 'NOPE-01');
});

test('the newest cached template wins', () => {
  const newer = indexItems([
    { id: 7, items: [{ id: 'EVAC-01', label_zh: '新', label_en: 'new' }] },
    { id: 3, items: [{ id: 'EVAC-01', label_zh: '旧', label_en: 'old' }] },
  ]);
  assert.equal(itemLabel('EVAC-01', newer), '新');
});
