// Checklist items in words. An inspector knows an item by its label (安全出口未锁闭), not by
// its code (EVAC-01): screens show the label in the app's language, taken from the cached
// checklist templates, and the code at most as a small secondary hint. No DOM code here.

import { lang, t } from './i18n.js';

/**
 * item_id → item ({label_zh, label_en, ...}) over the cached templates; where several
 * templates have the item, the newest (highest id) wins.
 * @param {Array<{id?: number, items?: object[]}>} templates
 * @returns {Map<string, object>}
 */
export function indexItems(templates) {
  const index = new Map();
  const ordered = [...(templates || [])].sort((a, b) => (a?.id ?? 0) - (b?.id ?? 0));
  for (const template of ordered) {
    for (const item of template?.items || []) index.set(item.id ?? item.item_id, item);
  }
  return index;
}

/**
 * The item's label in the app's language. ``known`` is a Chinese label the caller already
 * has (a hazard's item_label, frozen when it was found): it wins in Chinese. Falls back to
 * the other language, and to the code only when nothing else is known.
 */
export function itemLabel(itemId, index, known = '') {
  const item = index?.get(itemId);
  const zh = (known && known !== itemId ? known : '') || item?.label_zh || '';
  const en = item?.label_en || '';
  return (lang() === 'en' ? en || zh : zh || en) || itemId || '';
}

// Fields of a result as the server names them in errors, and the form's words for them.
const FIELD_WORDS = {
  outcome: 'outcome',
  note: 'note',
  photos: 'photos',
  rectification: 'rectification',
  'rectification.mode': 'rectification',
  'rectification.action': 'rect_action',
  'rectification.photos': 'rect_after_photos',
  'rectification.responsible': 'rect_responsible',
  'rectification.deadline': 'rect_deadline',
  'rectification.measures': 'rect_measures',
  'rectification.funds': 'rect_funds_amount',
  'rectification.funds.amount': 'rect_funds_amount',
  'rectification.funds.source': 'rect_funds_source',
};

function fieldWord(field) {
  const key = FIELD_WORDS[field];
  if (key === 'outcome') return '';
  return key ? t(key) : field;
}

/**
 * Where an error path points, in words: "results.1.rectification.deadline" of a record
 * whose second result is EVAC-02 becomes "疏散通道畅通 (EVAC-02) · 整改期限".
 */
export function describePath(path, record, index) {
  const match = /^results\.(\d+)(?:\.(.+))?$/.exec(path);
  if (!match) return path;
  const position = Number(match[1]);
  const itemId = record?.payload?.results?.[position]?.item_id;
  const where = itemId ? `${itemLabel(itemId, index)} (${itemId})` : `#${position + 1}`;
  const field = match[2] ? fieldWord(match[2]) : '';
  return field ? `${where} · ${field}` : where;
}

/** The server's reason for refusing a record, in words (status, message, fields). */
export function describeError(error, record, index) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  const parts = [error.status ? `HTTP ${error.status}` : '', error.message || (error.fields ? '' : error.error) || ''];
  const fields = error.fields;
  if (fields && typeof fields === 'object') {
    for (const [path, messages] of Object.entries(fields)) {
      parts.push(`${describePath(path, record, index)}: ${[].concat(messages).join(' ')}`);
    }
  }
  return parts.filter(Boolean).join(' · ');
}
