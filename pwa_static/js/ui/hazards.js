// The hazard screen (/app/hazards): the hazards of the user's sites that are not closed,
// with "progress" and "rectified" actions that work offline. An action is a record of type
// "hazard_event" in the same outbox as inspections (outbox.RECORD_TYPES), with its own
// client UUID, so a resend is answered "duplicate" and it is recorded exactly once.
//
// The list is cached in IndexedDB (meta "hazards_cache") so it shows underground; actions
// waiting in the outbox are shown on their hazard until the server has them.

import * as api from '../api.js';
import * as db from '../db.js';
import { lang } from '../i18n.js';
import { itemLabel } from '../item-labels.js';
import * as outbox from '../outbox.js';
import * as reference from '../reference.js';
import { storePhoto } from '../photos.js';
import * as session from '../session.js';
import { requestSync } from '../sync.js';
import { isoWithOffset, shortTime } from '../time.js';
import { clear, h } from './dom.js';
import { showToast } from './toast.js';

export const RECORD_TYPE = 'hazard_event';
const CACHE_KEY = 'hazards_cache';
const LIST_URL = '/api/v1/hazards?status=open&status=rectifying&status=rectified&per_page=200';

const STRINGS = {
  zh: {
    title: '隐患整改',
    back: '‹ 返回',
    refresh: '刷新',
    offline_list: '离线：显示上次下载的隐患（%{at}）。',
    never_loaded: '还没有下载隐患列表。请在有信号时打开本页。',
    empty: '没有待整改的隐患。',
    status_open: '待整改',
    status_rectifying: '整改中',
    status_rectified: '已整改待验收',
    major: '重大',
    overdue: '逾期',
    deadline: '整改时限 %{day}',
    responsible: '责任人 %{name}',
    progress: '填报进展',
    rectified: '整改完成',
    note_progress: '进展情况',
    note_rectified: '整改情况（做了什么）',
    photos: '照片',
    photo_needed: '整改完成需要说明和至少一张照片。',
    note_or_photo: '请填写说明或添加照片。',
    save: '保存（离线也可以）',
    cancel: '取消',
    saved: '已保存，联网后自动同步。',
    pending: '待同步：%{what}',
    rejected: '未被接受：%{why}',
  },
  en: {
    title: 'Hazards to fix',
    back: '‹ Back',
    refresh: 'Refresh',
    offline_list: 'Offline: showing the hazards downloaded %{at}.',
    never_loaded: 'The hazard list has not been downloaded yet. Open this page once with signal.',
    empty: 'No hazard waiting for rectification.',
    status_open: 'Open',
    status_rectifying: 'Being rectified',
    status_rectified: 'Rectified, awaiting verification',
    major: 'Major',
    overdue: 'Overdue',
    deadline: 'Deadline %{day}',
    responsible: 'Responsible: %{name}',
    progress: 'Report progress',
    rectified: 'Rectified',
    note_progress: 'Progress',
    note_rectified: 'What was done',
    photos: 'Photos',
    photo_needed: 'Rectified needs a note and at least one photo.',
    note_or_photo: 'Write a note or add a photo.',
    save: 'Save (works offline)',
    cancel: 'Cancel',
    saved: 'Saved; it syncs when the phone is online.',
    pending: 'Waiting to sync: %{what}',
    rejected: 'Not accepted: %{why}',
  },
};

function tr(key, params = {}) {
  const text = (STRINGS[lang()] || STRINGS.zh)[key] || STRINGS.zh[key] || key;
  return text.replace(/%\{(\w+)\}/g, (_m, name) => String(params[name] ?? ''));
}

/** Every photo hash a hazard-event payload references (for the outbox's photo upload). */
export function hazardEventPhotos(payload) {
  return [...new Set(payload.photos || [])];
}

/** Download the list (online) into the cache; returns "ok" or the reply kind. */
export async function refreshHazards() {
  const reply = await api.apiFetch(LIST_URL);
  if (reply.kind !== 'ok') return reply.kind;
  await db.setMeta(CACHE_KEY, { at: new Date().toISOString(), items: reply.body?.items || [] });
  return 'ok';
}

let mounted = null;

export async function showHazards(main) {
  const root = h('div', { class: 'hazards', id: 'hazards' });
  clear(main).append(root);
  mounted?.();
  const rerender = () => document.contains(root) && render(root);
  outbox.outboxEvents.addEventListener('change', rerender);
  mounted = () => outbox.outboxEvents.removeEventListener('change', rerender);
  await render(root);
  const kind = await refreshHazards();
  root.dataset.loaded = kind;
  await render(root);
}

async function render(root) {
  const [cache, records, index] = await Promise.all([
    db.getMeta(CACHE_KEY), outbox.listRecords(), reference.itemIndex()]);
  const mine = records.filter((r) => r.type === RECORD_TYPE && r.state !== 'synced');
  const items = cache?.items || [];
  const parts = [
    h('div', { class: 'record-main' },
      h('a', { class: 'btn btn-small btn-quiet', href: '/' }, tr('back')),
      h('h1', {}, tr('title')),
      h('button', { type: 'button', class: 'btn btn-small', id: 'hazards-refresh', onclick: async () => {
        const kind = await refreshHazards();
        if (kind !== 'ok') showToast(tr('offline_list', { at: shortTime(cache?.at) }));
        render(root);
      } }, tr('refresh'))),
  ];
  if (!cache) parts.push(h('p', { class: 'card card-warn' }, tr('never_loaded')));
  else if (root.dataset.loaded && root.dataset.loaded !== 'ok') {
    parts.push(h('p', { class: 'muted', id: 'hazards-offline' }, tr('offline_list', { at: shortTime(cache.at) })));
  }
  if (cache && !items.length) parts.push(h('p', { class: 'card' }, tr('empty')));
  parts.push(h('ul', { class: 'records', id: 'hazard-list' },
    items.map((hazard) => hazardCard(root, hazard, mine.filter((r) => r.payload?.hazard_id === hazard.id), index))));
  clear(root).append(...parts);
}

function hazardCard(root, hazard, pending, index) {
  const waitingRectified = pending.some((r) => r.payload.type === 'rectified' && r.state !== 'rejected');
  const status = waitingRectified ? 'rectified' : hazard.status;
  const canAct = ['open', 'rectifying'].includes(status);
  const card = h('li', { class: 'card hazard', 'data-hazard-id': hazard.id, 'data-status': status },
    h('div', { class: 'record-main' },
      h('strong', { class: 'hazard-item' }, itemLabel(hazard.item_id, index, hazard.item_label),
        ' ', h('span', { class: 'item-code' }, hazard.item_id)),
      h('span', { class: `pill pill-${status === 'rectified' ? 'synced' : 'queued'}` }, tr(`status_${status}`))),
    h('p', { class: 'muted' }, `${hazard.site?.name || ''} · ${hazard.site?.code || ''}`),
    hazard.description ? h('p', {}, hazard.description) : null,
    h('p', { class: 'muted' },
      hazard.grade === 'major' ? h('span', { class: 'badge badge-bad' }, tr('major')) : null,
      hazard.overdue ? h('span', { class: 'badge badge-bad' }, tr('overdue')) : null,
      hazard.deadline ? ` ${tr('deadline', { day: hazard.deadline })}` : '',
      hazard.responsible?.name ? ` · ${tr('responsible', { name: hazard.responsible.name })}` : ''),
    pending.map((r) => h('p', { class: r.state === 'rejected' ? 'record-error' : 'muted', 'data-pending': r.payload.type },
      r.state === 'rejected'
        ? tr('rejected', { why: describe(r.last_error) })
        : tr('pending', { what: tr(r.payload.type) }))),
  );
  if (canAct) {
    card.append(h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'progress',
        onclick: () => openForm(root, card, hazard, 'progress') }, tr('progress')),
      h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'rectified',
        onclick: () => openForm(root, card, hazard, 'rectified') }, tr('rectified'))));
  }
  return card;
}

function describe(error) {
  if (!error) return '';
  if (typeof error === 'string') return error;
  return Object.values(error).flat().join(' ');
}

function openForm(root, card, hazard, type) {
  card.querySelector('form')?.remove();
  const note = h('textarea', { name: 'note', rows: 3, maxlength: 4000 });
  const files = h('input', { type: 'file', name: 'photos', accept: 'image/*', capture: 'environment', multiple: true });
  const error = h('p', { class: 'record-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, tr('save'));
  const form = h('form', { class: 'hazard-action', 'data-type': type },
    h('label', { class: 'field' }, h('span', {}, tr(type === 'rectified' ? 'note_rectified' : 'note_progress')), note),
    h('label', { class: 'field' }, h('span', {}, tr('photos')), files),
    error, save,
    h('button', { type: 'button', class: 'btn btn-block btn-quiet', onclick: () => form.remove() }, tr('cancel')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = note.value.trim();
    const chosen = [...files.files];
    const problem = type === 'rectified'
      ? (!text || !chosen.length ? tr('photo_needed') : null)
      : (!text && !chosen.length ? tr('note_or_photo') : null);
    if (problem) {
      error.textContent = problem;
      error.hidden = false;
      return;
    }
    save.disabled = true;
    try {
      await recordAction(hazard, type, text, chosen);
      showToast(tr('saved'));
      render(root);
    } catch (failure) {
      error.textContent = String(failure?.message || failure);
      error.hidden = false;
      save.disabled = false;
    }
  });
  card.append(form);
  note.focus();
}

/** Store the photos and queue the action; the sync sends it when the phone is online. */
export async function recordAction(hazard, type, note, files) {
  const id = crypto.randomUUID();
  const photos = [];
  for (const file of files) photos.push(await storePhoto(file, id));
  const user = await session.currentUser();
  const payload = { id, hazard_id: hazard.id, type, note: note || null, photos, client_at: isoWithOffset(new Date()) };
  // Complete when made: saved and queued at once (no draft stage for the user).
  await outbox.saveDraft({
    id,
    type: RECORD_TYPE,
    username: user?.username,
    site_code: hazard.site?.code,
    site_name: `${tr(type)} · ${itemLabel(hazard.item_id, await reference.itemIndex(), hazard.item_label)} · ${hazard.site?.name || ''}`,
    payload,
  });
  await outbox.enqueue(id, payload);
  requestSync('hazard');
  return id;
}

/** The home screen's way in (a link, so it works offline through the service worker). */
export function hazardsLink() {
  return h('a', { class: 'btn btn-block', id: 'open-hazards', href: '/app/hazards' }, tr('title'));
}
