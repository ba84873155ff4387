// An inspection as data, no DOM: which items the form shows, the phone-side validation
// (the server validates again), and the payload POST /api/v1/sync/inspections receives.
//
// A draft keeps the form's state as `draft.form.results[itemId] = {outcome, note, photos,
// rect: {mode, action, photos, responsible, deadline, measures, funds_amount, funds_source}}`.

import { isoWithOffset, localDate } from './time.js';

/** The template items the server said apply to the site, in template order. */
export function formItems(template, site) {
  const wanted = new Set(site.item_ids || []);
  return (template.items || []).filter((item) => wanted.has(item.id ?? item.item_id));
}

export function itemId(item) {
  return item.id ?? item.item_id;
}

/** Items grouped by category, categories in order of first appearance. */
export function groupByCategory(items) {
  const groups = new Map();
  for (const item of items) {
    if (!groups.has(item.category)) groups.set(item.category, []);
    groups.get(item.category).push(item);
  }
  return [...groups.entries()].map(([category, list]) => ({ category, items: list }));
}

export function newDraft({ site, template, username, now = new Date() }) {
  return {
    id: crypto.randomUUID(),
    type: 'inspection',
    site_code: site.code,
    site_name: site.name,
    template_id: template.id,
    kind: site.kind || 'self',
    username,
    started_at: isoWithOffset(now),
    scan: null,
    form: { results: {} },
  };
}

/**
 * Errors by item id: `{[itemId]: {[field]: messageKey}}` (fields: outcome, photos,
 * mode, action, after_photos, responsible, deadline, measures, funds_amount). Empty when
 * the form may be submitted.
 */
export function validateDraft(draft, items, today = localDate(new Date())) {
  const errors = {};
  for (const item of items) {
    const id = itemId(item);
    const result = draft.form.results[id] || {};
    const problems = {};
    if (!['pass', 'fail', 'na'].includes(result.outcome)) problems.outcome = 'err_outcome';
    if (result.outcome === 'fail') {
      const rect = result.rect || {};
      if (item.photo_required_on_fail && !(result.photos || []).length) problems.photos = 'err_photo';
      if (rect.mode === 'on_spot') {
        if (!rect.action?.trim()) problems.action = 'err_action';
        if (item.photo_required_on_fail && !(rect.photos || []).length) {
          problems.after_photos = 'err_after_photo';
        }
      } else if (rect.mode === 'order') {
        if (!rect.responsible?.trim()) problems.responsible = 'err_responsible';
        if (!/^\d{4}-\d{2}-\d{2}$/.test(rect.deadline || '') || rect.deadline < today) {
          problems.deadline = 'err_deadline';
        }
        if (!rect.measures?.trim()) problems.measures = 'err_measures';
        const amount = rect.funds_amount;
        if (amount !== undefined && amount !== '' && !(Number(amount) >= 0)) {
          problems.funds_amount = 'err_funds';
        }
      } else {
        problems.mode = 'err_rect_mode';
      }
    }
    if (Object.keys(problems).length) errors[id] = problems;
  }
  return errors;
}

/** The sync inspection object (see the API contract in docs/api.md). */
export function buildPayload(draft, items, finishedAt = new Date()) {
  const results = items.map((item) => {
    const id = itemId(item);
    const result = draft.form.results[id] || {};
    const out = { item_id: id, outcome: result.outcome };
    if (result.note?.trim()) out.note = result.note.trim();
    if ((result.photos || []).length) out.photos = [...result.photos];
    if (result.outcome === 'fail') out.rectification = rectificationOf(result.rect || {});
    return out;
  });
  const payload = {
    id: draft.id,
    site_code: draft.site_code,
    template_id: draft.template_id,
    kind: draft.kind || 'self',
    started_at: draft.started_at,
    finished_at: isoWithOffset(finishedAt),
    results,
  };
  if (draft.scan?.token) payload.scan = { token: draft.scan.token, scanned_at: draft.scan.scanned_at };
  return payload;
}

function rectificationOf(rect) {
  if (rect.mode === 'on_spot') {
    const out = { mode: 'on_spot', action: rect.action.trim() };
    if ((rect.photos || []).length) out.photos = [...rect.photos];
    return out;
  }
  const out = {
    mode: 'order',
    responsible: rect.responsible.trim(),
    deadline: rect.deadline,
    measures: rect.measures.trim(),
  };
  const amount = rect.funds_amount === undefined || rect.funds_amount === '' ? null : String(rect.funds_amount);
  const source = rect.funds_source?.trim() || null;
  if (amount !== null || source) out.funds = { amount, source };
  return out;
}

/** How many items have an outcome. */
export function progress(draft, items) {
  const done = items.filter((item) => draft.form.results[itemId(item)]?.outcome).length;
  return { done, total: items.length };
}
