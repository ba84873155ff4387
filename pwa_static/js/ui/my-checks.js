// "我的检查 / My checks" (/app/checks): the inspections submitted from this phone in the last
// 30 days, by day, each with where it stands; and one of them read-only
// (/app/checks/<id>): items, notes, photos still on the phone, rectifications. Everything
// comes from the phone's own store, so it reads the same underground.

import { byDay, checkState, failures, startedAt, submittedChecks } from '../history.js';
import { categoryName, t } from '../i18n.js';
import { describeError, itemLabel } from '../item-labels.js';
import * as outbox from '../outbox.js';
import { photoBlob } from '../photos.js';
import * as reference from '../reference.js';
import * as session from '../session.js';
import { syncStatus } from '../sync.js';
import { localDate, shortTime } from '../time.js';
import { clear, h } from './dom.js';

const STATE_CLASS = { waiting: 'queued', photos: 'queued', synced: 'synced', refused: 'rejected', conflict: 'conflict' };

export async function showMyChecks(main, id) {
  const [records, items, user] = await Promise.all([outbox.listRecords(), reference.itemIndex(), session.currentUser()]);
  if (id) return showCheck(main, records.find((r) => r.id === id && r.type === 'inspection'), items, user);
  const checks = submittedChecks(records);
  const list = h('div', { id: 'my-checks' });
  const search = h('input', { type: 'search', class: 'search', placeholder: t('mc_search'), 'aria-label': t('mc_search') });
  const draw = () => {
    const words = search.value.trim().toLowerCase();
    const shown = checks.filter((c) => !words || `${c.site_name || ''} ${c.site_code || ''}`.toLowerCase().includes(words));
    clear(list).append(...daySections(shown), shown.length ? '' : h('p', { class: 'muted' }, t(checks.length ? 'mc_none_match' : 'mc_empty')));
  };
  search.addEventListener('input', draw);
  clear(main).append(
    h('a', { class: 'btn btn-small btn-quiet', href: '/' }, '‹ ', t('home')),
    h('h1', {}, t('my_checks')),
    h('p', { class: 'muted' }, t('mc_intro')),
    checks.length ? search : null,
    list,
  );
  draw();
}

function dayTitle(day) {
  const today = new Date();
  if (day === localDate(today)) return `${t('mc_today')} ${day.slice(5)}`;
  if (day === localDate(new Date(today.getTime() - 86400e3))) return `${t('mc_yesterday')} ${day.slice(5)}`;
  return day;
}

function daySections(checks) {
  return byDay(checks).map(({ day, checks: list }) =>
    h('section', { class: 'card', 'data-day': day },
      h('h2', {}, dayTitle(day)),
      h('ul', { class: 'records' }, list.map(checkRow))));
}

function stateBadge(record) {
  const state = checkState(record);
  return h('span', { class: `pill pill-${STATE_CLASS[state]}`, 'data-check-state': state }, t(`check_${state}`));
}

function checkRow(record) {
  const { failed, total } = failures(record);
  return h('li', { class: 'record', 'data-record-id': record.id, 'data-check-state': checkState(record) },
    h('a', { class: 'check-link', href: `/app/checks/${record.id}` },
      h('span', { class: 'record-main' }, h('strong', {}, record.site_name || record.site_code), stateBadge(record)),
      h('span', { class: 'muted' },
        `${record.site_code} · ${shortTime(startedAt(record)).slice(6)} · ${t('mc_items', { total })} · `,
        failed ? h('span', { class: 'failed' }, t('mc_failed', { n: failed })) : t('mc_all_pass'))));
}

async function showCheck(main, record, items, user) {
  const back = h('a', { class: 'btn btn-small btn-quiet', href: '/app/checks' }, t('mc_back'));
  if (!record) {
    clear(main).append(back, h('p', { class: 'card card-warn' }, t('mc_not_found')));
    return;
  }
  const payload = record.payload || {};
  const minutes = Math.max(0, Math.round((new Date(payload.finished_at) - new Date(payload.started_at)) / 60000));
  clear(main).append(
    back,
    h('article', { class: 'check-view', id: 'check-view', 'data-record-id': record.id },
      h('h1', {}, record.site_name || payload.site_code),
      h('p', { class: 'muted' }, payload.site_code),
      stateCard(record, items),
      h('dl', { class: 'facts' },
        fact(t('mc_time'), `${shortTime(payload.started_at)} – ${shortTime(payload.finished_at).slice(6)} (${t('mc_minutes', { n: minutes })})`),
        fact(t('mc_scan'), payload.scan ? t('scan_recorded', { time: shortTime(payload.scan.scanned_at) }) : t('no_scan')),
        fact(t('mc_inspector'), record.username && record.username === user?.username ? user.name || user.username : record.username || '—'),
        fact(t('mc_submitted'), shortTime(record.submitted_at))),
      ...(await resultSections(payload.results || [], items, checkState(record)))),
  );
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function stateCard(record, items) {
  const state = checkState(record);
  const text = {
    waiting: () => t('mc_waiting_long'),
    photos: () => t('mc_photos_long'),
    synced: () => {
      const time = shortTime(record.synced_at || record.updated_at);
      const photos = outbox.inspectionPhotos(record.payload || {}).length;
      return `${t('mc_synced_long', { time })}${photos ? t('mc_synced_photos') : ''}`;
    },
    refused: () => t('mc_refused_long', { reason: describeError(record.last_error, record, items) }),
    conflict: () => t('mc_conflict_long'),
  }[state]();
  const cls = { waiting: 'card-warn', photos: 'card-warn', synced: 'status-ok', refused: 'card-bad', conflict: 'card-bad' }[state];
  const online = navigator.onLine !== false && syncStatus().phase !== 'offline';
  const editUrl = outbox.RECORD_TYPES.inspection.editUrl(record);
  return h('section', { class: `card ${cls}`, id: 'check-state', 'data-check-state': state },
    h('p', {}, stateBadge(record)),
    h('p', {}, text),
    // The server's own page of the record (its flags, the hazards it opened), when reachable.
    state === 'synced' && online ? h('a', { class: 'btn btn-small', id: 'server-link', href: `/inspections/${record.id}` }, t('mc_server_link'), ' ›') : null,
    state === 'refused' ? h('a', { class: 'btn btn-small btn-primary', href: editUrl }, t('edit_resend')) : null);
}

async function resultSections(results, items, state) {
  const groups = new Map();
  for (const result of results) {
    const item = items.get(result.item_id);
    const category = item?.category || result.item_id.split('-')[0];
    if (!groups.has(category)) groups.set(category, { item, rows: [] });
    groups.get(category).rows.push(await resultRow(result, items, state));
  }
  return [...groups.entries()].map(([category, { item, rows }]) =>
    h('section', { class: 'category' }, h('h2', {}, categoryName(category, item)), h('ul', { class: 'results' }, rows)));
}

async function resultRow(result, items, state) {
  const rect = result.rectification;
  const strip = (hashes) => photoStrip(hashes, state === 'synced' ? 'mc_photos_gone' : 'mc_photos_missing');
  return h('li', { class: `result result-${result.outcome}`, 'data-item-id': result.item_id },
    h('p', { class: 'result-head' },
      h('span', {}, h('span', { class: 'item-code' }, result.item_id), ' ', itemLabel(result.item_id, items)),
      h('span', { class: `pill outcome-pill outcome-pill-${result.outcome}` }, t(`outcome_${result.outcome}`))),
    result.note ? h('p', { class: 'result-note' }, `${t('note')}：${result.note}`) : null,
    await strip(result.photos || []),
    rect ? h('div', { class: 'rect-view' },
      h('p', { class: 'rect-title' }, `${t('rectification')} · ${t(rect.mode === 'on_spot' ? 'rect_on_spot' : 'rect_order')}`),
      rect.mode === 'on_spot'
        ? [h('p', {}, `${t('rect_action')}：${rect.action}`), await strip(rect.photos || [])]
        : [
            h('p', {}, `${t('rect_responsible')}：${rect.responsible} · ${t('rect_deadline')}：${rect.deadline}`),
            h('p', {}, `${t('rect_measures')}：${rect.measures}`),
            rect.funds ? h('p', {}, t('mc_funds', { amount: rect.funds.amount ?? '—', source: rect.funds.source || '' })) : null,
          ]) : null);
}

/** Thumbnails of the photos still on the phone; a count of those that are not (`awayKey`
 * says why: uploaded and forgotten, or missing). */
async function photoStrip(hashes, awayKey) {
  if (!hashes.length) return null;
  const shown = [];
  let away = 0;
  for (const sha of hashes) {
    const blob = await photoBlob(sha);
    if (!blob) {
      away += 1;
      continue;
    }
    const img = h('img', { alt: t('photos'), width: 72, height: 72, src: URL.createObjectURL(blob) });
    img.addEventListener('load', () => URL.revokeObjectURL(img.src), { once: true });
    shown.push(h('span', { class: 'thumb', 'data-sha': sha }, img));
  }
  return h('div', { class: 'thumbs' }, shown,
    away ? h('p', { class: 'muted', 'data-photos-away': away }, t(awayKey, { n: away })) : null);
}
