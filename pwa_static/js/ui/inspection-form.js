// The daily inspection form for one site, rendered from its cached template. Every change
// is saved to the draft in IndexedDB at once; submit validates, queues and syncs.
//
// Short by design: each item is drawn by form-item.js (label and three buttons; the rest on
// failure or a tap). 「其余全部合格」 marks every unanswered item as passed (after a
// confirmation), each with its own result. Opening a site already checked today says so
// before a second check starts.
//
// Stable names for automation: each item is <fieldset data-item-id="ID"> with radios
// name="outcome-ID" value pass|fail|na and a [data-more] button; #rest-pass is 「其余全部合格」;
// the submit control is <button type="submit">.

import * as db from '../db.js';
import { checkedToday, describeCheckedToday } from '../history.js';
import { categoryName, pick, t } from '../i18n.js';
import * as inspection from '../inspection.js';
import * as outbox from '../outbox.js';
import * as photos from '../photos.js';
import * as reference from '../reference.js';
import * as session from '../session.js';
import { registerBackgroundSync, requestSync } from '../sync.js';
import { isoWithOffset, localDate, shortTime } from '../time.js';
import { clear, h, navigate } from './dom.js';
import { inAppName } from './field-notices.js';
import { openExtras, renderItem, thumb } from './form-item.js';
import { showToast } from './toast.js';

/** Open /s/<code>?k=<token> or ?d=<draft id>. */
export async function showInspectionForm(main, siteCode, params) {
  let form = await reference.siteForm(siteCode);
  if (!form && !session.loginNeeded()) {
    await reference.refreshReference();
    form = await reference.siteForm(siteCode);
  }
  if (!form) {
    clear(main).append(
      h('section', { class: 'card card-warn' }, h('p', {}, t('site_unknown', { code: siteCode }))),
      h('a', { href: '/', class: 'btn' }, t('back')),
    );
    return;
  }
  const { site, template } = form;
  const items = inspection.formItems(template, site);
  const draft = await openDraft(main, site, template, params);
  if (!draft) return navigate('/', { replace: true });
  // Keep the label's token in the address: a page reopened elsewhere (the system browser,
  // after an in-app one) still records the scan.
  const token = draft.scan?.token ? `&k=${encodeURIComponent(draft.scan.token)}` : '';
  navigate(`/s/${encodeURIComponent(site.code)}?d=${draft.id}${token}`, { replace: true, silent: true });
  renderForm(main, { site, template, items, draft });
  // bench/pwa_shell.py reads this: time from navigation start to a usable form.
  performance.mark('form-rendered');
}

/** The draft to fill: the one asked for (?d=), else this site's latest draft, else a new
 * one, once the user has agreed to check again a site checked today. Null: go home. */
async function openDraft(main, site, template, params) {
  const token = params.get('k');
  let draft = null;
  const wanted = params.get('d');
  if (wanted) {
    draft = await db.getRecord(wanted);
    if (draft?.state === 'rejected') draft = await outbox.reopen(draft.id);
    if (draft && draft.state !== 'draft') {
      showToast(t(`state_${draft.state}`));
      return null;
    }
  }
  if (!draft) {
    const drafts = await db.recordsInState('draft');
    draft = drafts
      .filter((d) => d.site_code === site.code && d.type === 'inspection')
      .sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''))[0];
  }
  if (!draft) {
    const done = checkedToday(site, await outbox.listRecords(), localDate(new Date()));
    if (done && !(await confirmSecondCheck(main, site, done))) return null;
    const user = await session.currentUser();
    draft = inspection.newDraft({ site, template, username: user?.username });
  }
  if (token && draft.scan?.token !== token) {
    draft.scan = { token, scanned_at: isoWithOffset(new Date()) };
  }
  return outbox.saveDraft(draft);
}

/** "今天已检查过此工程": resolves true to go on with a second check, false to go back. */
function confirmSecondCheck(main, site, done) {
  return new Promise((resolve) => {
    const view = done.record ? h('a', { class: 'btn btn-block', href: `/app/checks/${done.record.id}` }, t('second_check_view')) : null;
    clear(main).append(
      h('header', { class: 'form-head' }, h('h1', {}, site.name), h('p', { class: 'muted' }, site.code)),
      h('section', { class: 'card card-warn', id: 'second-check', role: 'alert' },
        h('h2', {}, t('second_check_title')),
        h('p', {}, t('second_check_body', { when: describeCheckedToday(done) })),
        h('button', { type: 'button', class: 'btn btn-block', id: 'second-check-go', onclick: () => resolve(true) },
          t('second_check_go')),
        view,
        h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'second-check-back', onclick: () => resolve(false) },
          t('back'))),
    );
  });
}

function renderForm(main, ctx) {
  const { site, items, draft } = ctx;
  const status = h('p', { class: 'save-state', id: 'save-state', 'aria-live': 'polite' }, t('saved'));
  const progressEl = h('span', { class: 'progress' });
  const restPass = h('button', { type: 'button', class: 'btn btn-block btn-pass', id: 'rest-pass', hidden: true });
  const summary = h('p', { class: 'form-summary', role: 'alert', hidden: true });
  const formEl = h(
    'form',
    { class: 'inspection', novalidate: true, 'data-record-id': draft.id },
    serverErrors(draft, items),
    inspection.groupByCategory(items).map((group) =>
      h(
        'section',
        { class: 'category' },
        h('h2', {}, categoryName(group.category, group.items[0])),
        group.items.map((item) => renderItem(item, draft)),
      ),
    ),
    summary,
    h('div', { class: 'submit-bar' }, progressEl, restPass,
      h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('submit'))),
  );
  clear(main).append(
    h(
      'header',
      { class: 'form-head' },
      h('h1', {}, site.name),
      h('p', { class: 'muted' }, `${site.code} · ${site.address || ''}`),
      h('p', { class: draft.scan ? 'scan scan-ok' : 'scan' },
        draft.scan ? t('scan_recorded', { time: shortTime(draft.scan.scanned_at) }) : t('no_scan')),
      status,
    ),
    formEl,
  );
  const saver = makeSaver(ctx, status, progressEl, restPass);
  saver.updateProgress();
  formEl.addEventListener('change', (event) => onChange(event, ctx, saver, formEl));
  formEl.addEventListener('input', (event) => {
    if (event.target.matches('textarea, input[type=text], input[type=number], input[type=date]')) {
      onChange(event, ctx, saver, formEl);
    }
  });
  formEl.addEventListener('click', (event) => {
    const more = event.target.closest('[data-more]');
    if (more) openItemExtras(more.closest('fieldset[data-item-id]'), ctx, { focus: true });
  });
  restPass.addEventListener('click', () => passTheRest(ctx, saver, formEl));
  formEl.addEventListener('click', removePhotoHandler(ctx, saver));
  // Check the free space before the camera opens, not after the photo is taken.
  photos.refreshFreeSpace();
  formEl.addEventListener('click', (event) => {
    if (!event.target.matches('input[data-photo-input]') || !photos.spaceIsLow()) return;
    event.preventDefault();
    showToast(t('storage_low', { mb: Math.round(photos.lastFreeBytes() / 1048576) }), { kind: 'bad', timeout: 10000 });
  });
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit(ctx, saver, formEl, summary);
  });
}

function openItemExtras(fieldset, ctx, options) {
  const id = fieldset.dataset.itemId;
  const item = ctx.items.find((candidate) => inspection.itemId(candidate) === id);
  openExtras(fieldset, item, ctx.draft.form.results[id] || {}, options);
}

/** 「其余全部合格」: every item without an outcome becomes "pass", each in its own result. */
async function passTheRest(ctx, saver, formEl) {
  const open = ctx.items.map(inspection.itemId).filter((id) => !ctx.draft.form.results[id]?.outcome);
  if (!open.length || !confirm(t('rest_pass_confirm', { n: open.length }))) return;
  for (const id of open) {
    (ctx.draft.form.results[id] ||= {}).outcome = 'pass';
    const fieldset = formEl.querySelector(`fieldset[data-item-id="${CSS.escape(id)}"]`);
    fieldset.dataset.outcome = 'pass';
    fieldset.querySelector('input[value=pass]').checked = true;
    clearErrors(fieldset);
  }
  await saver.save();
  showToast(t('rest_pass_done', { n: open.length }), { kind: 'ok' });
}

function serverErrors(draft, items) {
  const fields = draft.last_error?.fields;
  if (!fields || typeof fields !== 'object') return null;
  const lines = Object.entries(fields).map(([path, messages]) => {
    const match = /^results\.(\d+)/.exec(path);
    const item = match ? items[Number(match[1])] : null;
    const label = item ? pick(item, 'label') : path;
    return h('li', {}, `${label}: ${[].concat(messages).join(' ')}`);
  });
  return h('section', { class: 'card card-bad' }, h('p', {}, t('needs_attention')), h('ul', {}, lines));
}

function makeSaver(ctx, statusEl, progressEl, restPass) {
  let chain = Promise.resolve();
  const updateProgress = () => {
    const { done, total } = inspection.progress(ctx.draft, ctx.items);
    progressEl.textContent = t('progress', { done, total });
    restPass.hidden = done === total;
    restPass.textContent = t('rest_pass', { n: total - done });
  };
  return {
    updateProgress,
    save() {
      document.body.dataset.saveState = 'saving';
      statusEl.textContent = t('saving');
      updateProgress();
      const snapshot = structuredClone(ctx.draft);
      chain = chain
        .then(() => outbox.saveDraft(snapshot))
        .then((saved) => {
          ctx.draft.updated_at = saved.updated_at;
          document.body.dataset.saveState = 'saved';
          statusEl.textContent = `${t('saved')} ${shortTime(saved.updated_at)}`;
        })
        .catch((error) => {
          document.body.dataset.saveState = 'error';
          statusEl.textContent = String(error?.message || error);
        });
      return chain;
    },
    flush: () => chain,
  };
}

const FIELD_OF = {
  note: ['note'],
  action: ['rect', 'action'],
  responsible: ['rect', 'responsible'],
  deadline: ['rect', 'deadline'],
  measures: ['rect', 'measures'],
  'funds-amount': ['rect', 'funds_amount'],
  'funds-source': ['rect', 'funds_source'],
};

async function onChange(event, ctx, saver, formEl) {
  const target = event.target;
  const fieldset = target.closest('fieldset[data-item-id]');
  if (!fieldset || !target.name) return;
  const id = fieldset.dataset.itemId;
  const result = (ctx.draft.form.results[id] ||= {});
  const field = target.name.slice(0, target.name.length - id.length - 1);
  if (target.type === 'file') {
    if (event.type === 'change') await addPhotos(target, ctx, result, fieldset, saver);
    return;
  }
  if (field === 'outcome') {
    result.outcome = target.value;
    fieldset.dataset.outcome = target.value;
    if (target.value === 'fail') openItemExtras(fieldset, ctx);
  } else if (field === 'rect-mode') {
    result.rect = { ...(result.rect || {}), mode: target.value };
    fieldset.dataset.rectMode = target.value;
  } else if (FIELD_OF[field]) {
    const [first, second] = FIELD_OF[field];
    if (second) result.rect = { ...(result.rect || {}), [second]: target.value };
    else result[first] = target.value;
  } else {
    return;
  }
  clearErrors(fieldset);
  saver.save();
}

async function addPhotos(input, ctx, result, fieldset, saver) {
  const field = input.dataset.photoInput;
  const list = fieldset.querySelector(`[data-photos="${field}"]`);
  for (const file of input.files) {
    try {
      const sha = await photos.storePhoto(file, ctx.draft.id);
      const target = field === 'photos' ? (result.photos ||= []) : ((result.rect ||= {}).photos ||= []);
      if (!target.includes(sha)) {
        target.push(sha);
        list.append(thumb(sha, field));
      }
    } catch (error) {
      const message = error instanceof photos.StorageLow
        ? t('storage_low', { mb: Math.round(error.freeBytes / 1048576) })
        : t('photo_failed', { message: error?.message || error });
      showToast(message, { kind: 'bad', timeout: 10000 });
    }
  }
  input.value = '';
  clearErrors(fieldset);
  await saver.save();
}

function removePhotoHandler(ctx, saver) {
  return async (event) => {
    const button = event.target.closest('[data-remove-photo]');
    if (!button) return;
    const fieldset = button.closest('fieldset[data-item-id]');
    const result = ctx.draft.form.results[fieldset.dataset.itemId];
    const sha = button.closest('.thumb').dataset.sha;
    const field = button.dataset.removePhoto;
    if (field === 'photos') result.photos = (result.photos || []).filter((s) => s !== sha);
    else result.rect.photos = (result.rect.photos || []).filter((s) => s !== sha);
    button.closest('.thumb').remove();
    await saver.save();
    const stillUsed = Object.values(ctx.draft.form.results).some(
      (r) => (r.photos || []).includes(sha) || (r.rect?.photos || []).includes(sha),
    );
    if (!stillUsed) await photos.removePhoto(sha);
  };
}

function clearErrors(fieldset) {
  fieldset.classList.remove('invalid');
  for (const el of fieldset.querySelectorAll('.error')) el.textContent = '';
}

async function onSubmit(ctx, saver, formEl, summary) {
  await saver.flush();
  const errors = inspection.validateDraft(ctx.draft, ctx.items);
  let count = 0;
  let first = null;
  for (const fieldset of formEl.querySelectorAll('fieldset[data-item-id]')) {
    clearErrors(fieldset);
    const problems = errors[fieldset.dataset.itemId];
    if (!problems) continue;
    fieldset.classList.add('invalid');
    first ||= fieldset;
    for (const [field, key] of Object.entries(problems)) {
      count += 1;
      const slot = fieldset.querySelector(`[data-error-for="${field}"]`);
      if (slot) slot.textContent = t(key);
    }
  }
  if (first) {
    summary.hidden = false;
    summary.textContent = t('err_form', { n: count });
    first.scrollIntoView({ block: 'start' });
    first.querySelector('input, textarea')?.focus({ preventScroll: true });
    return;
  }
  summary.hidden = true;
  const payload = inspection.buildPayload(ctx.draft, ctx.items);
  await outbox.enqueue(ctx.draft.id, payload);
  registerBackgroundSync();
  navigate('/');
  const sync = requestSync('submit');
  const synced = await Promise.race([
    sync.then(async () => (await db.getRecord(ctx.draft.id))?.state === 'synced'),
    new Promise((resolve) => setTimeout(() => resolve(false), 8000)),
  ]);
  const app = inAppName();
  if (app && !synced) showToast(t('inapp_unsynced', { n: 1, app }), { kind: 'bad', timeout: 0 });
  else showToast(synced ? t('submitted_sent') : t('submitted_queued'), { kind: synced ? 'ok' : 'info' });
}
