// One item of the inspection form, as the inspector sees it on a small screen: the label
// and three outcome buttons; its guidance, note, photos and rectification (fixed on the spot,
// or an order) are drawn only when it fails, already holds a note or a photo, or on a tap.
// Field names are stable for automation: outcome-ID, note-ID, photo-ID, after-photo-ID,
// rect-mode-ID, action-ID, responsible-ID, deadline-ID, measures-ID, funds-amount-ID,
// funds-source-ID.

import { pick, t } from '../i18n.js';
import * as inspection from '../inspection.js';
import * as photos from '../photos.js';
import { localDate } from '../time.js';
import { h } from './dom.js';

/** One item: its label and three outcome buttons; the rest only when needed. */
export function renderItem(item, draft) {
  const id = inspection.itemId(item);
  const result = draft.form.results[id] || {};
  const outcome = (value) =>
    h('label', { class: `outcome outcome-${value}` },
      h('input', { type: 'radio', name: `outcome-${id}`, value, checked: result.outcome === value }),
      h('span', {}, t(`outcome_${value}`)));
  const fieldset = h(
    'fieldset',
    { class: 'item', 'data-item-id': id, 'data-outcome': result.outcome || '', 'data-rect-mode': result.rect?.mode || '' },
    h('legend', {}, h('span', { class: 'item-code' }, id), ' ', pick(item, 'label')),
    h('div', { class: 'outcomes' }, outcome('pass'), outcome('fail'), outcome('na')),
    h('p', { class: 'error', 'data-error-for': 'outcome' }),
    h('button', { type: 'button', class: 'more', 'data-more': true, 'aria-expanded': 'false' },
      pick(item, 'guidance') ? `${t('more_guidance')} / ${t('more')}` : t('more')),
  );
  // What the user already wrote is never hidden: a failed item, a note or a photo.
  const held = result.outcome === 'fail' || result.note || (result.photos || []).length;
  if (held) {
    fieldset.append(extras(item, result));
    fieldset.dataset.open = '1';
    fieldset.querySelector('[data-more]').setAttribute('aria-expanded', 'true');
  }
  return fieldset;
}

/** Draw the item's guidance, note, photos and rectification (once): when it fails, or the
 * user taps "备注 / 拍照". */
export function openExtras(fieldset, item, result, { focus = false } = {}) {
  if (!fieldset || fieldset.dataset.open) return;
  fieldset.append(extras(item, result));
  fieldset.dataset.open = '1';
  fieldset.querySelector('[data-more]').setAttribute('aria-expanded', 'true');
  if (focus) fieldset.querySelector('textarea')?.focus();
}

function extras(item, result) {
  const id = inspection.itemId(item);
  const rect = result.rect || {};
  const name = (field) => `${field}-${id}`;
  const guidance = pick(item, 'guidance');
  return h(
    'div',
    { class: 'extras' },
    guidance ? h('p', { class: 'guidance' }, guidance) : null,
    item.fix_immediately ? h('p', { class: 'hint' }, t('fix_immediately')) : null,
    h('label', { class: 'field' }, t('note'),
      h('textarea', { name: name('note'), rows: 2, maxlength: 2000 }, result.note || '')),
    photoField(id, 'photos', result.photos || [], t('add_photo'),
      item.photo_required_on_fail ? t('photo_required') : null),
    h('div', { class: 'rect' },
      h('p', { class: 'rect-title' }, t('rectification')),
      h('div', { class: 'rect-modes' },
        h('label', { class: 'choice' },
          h('input', { type: 'radio', name: name('rect-mode'), value: 'on_spot', checked: rect.mode === 'on_spot' }),
          h('span', {}, t('rect_on_spot'))),
        h('label', { class: 'choice' },
          h('input', { type: 'radio', name: name('rect-mode'), value: 'order', checked: rect.mode === 'order' }),
          h('span', {}, t('rect_order')))),
      h('p', { class: 'error', 'data-error-for': 'mode' }),
      h('div', { class: 'rect-on-spot' },
        textField(name('action'), t('rect_action'), rect.action, 'action'),
        photoField(id, 'after_photos', rect.photos || [], t('add_after_photo'), null)),
      h('div', { class: 'rect-order' },
        inputField(name('responsible'), t('rect_responsible'), rect.responsible, 'responsible', 'text'),
        inputField(name('deadline'), t('rect_deadline'), rect.deadline, 'deadline', 'date', { min: localDate(new Date()) }),
        textField(name('measures'), t('rect_measures'), rect.measures, 'measures'),
        inputField(name('funds-amount'), t('rect_funds_amount'), rect.funds_amount, 'funds_amount', 'number',
          { min: 0, step: '0.01', inputmode: 'decimal' }),
        inputField(name('funds-source'), t('rect_funds_source'), rect.funds_source, 'funds_source', 'text'))),
  );
}

function textField(name, label, value, errorKey) {
  return h('label', { class: 'field' }, label,
    h('textarea', { name, rows: 2, maxlength: 2000 }, value || ''),
    h('span', { class: 'error', 'data-error-for': errorKey }));
}

function inputField(name, label, value, errorKey, type, extra = {}) {
  return h('label', { class: 'field' }, label,
    h('input', { name, type, value: value ?? '', ...extra }),
    h('span', { class: 'error', 'data-error-for': errorKey }));
}

function photoField(itemId, field, hashes, buttonLabel, hint) {
  const list = h('div', { class: 'thumbs', 'data-photos': field });
  for (const sha of hashes) list.append(thumb(sha, field));
  return h('div', { class: 'photo-field', 'data-photo-field': field },
    hint ? h('p', { class: 'hint' }, hint) : null,
    list,
    h('label', { class: 'btn btn-photo' }, '＋ ', buttonLabel,
      h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden',
        name: `${field === 'photos' ? 'photo' : 'after-photo'}-${itemId}`, 'data-photo-input': field })),
    h('p', { class: 'error', 'data-error-for': field }));
}

export function thumb(sha, field) {
  const img = h('img', { alt: '', width: 72, height: 72 });
  photos.photoBlob(sha).then((blob) => {
    if (!blob) return;
    img.src = URL.createObjectURL(blob);
    img.addEventListener('load', () => URL.revokeObjectURL(img.src), { once: true });
  });
  return h('span', { class: 'thumb', 'data-sha': sha },
    img,
    h('button', { type: 'button', class: 'thumb-remove', 'data-remove-photo': field, 'aria-label': t('remove_photo') }, '×'));
}
