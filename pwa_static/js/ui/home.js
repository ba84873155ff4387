// The home screen: sync state ("all synced: safe to leave"), the needs-attention list,
// unsent records with their states and last errors, drafts, and the user's sites (those
// still to check today first, those checked today marked and last).

import { describeCheckedToday, sitesForToday } from '../history.js';
import { t, lang } from '../i18n.js';
import { describeError } from '../item-labels.js';
import * as outbox from '../outbox.js';
import * as reference from '../reference.js';
import * as session from '../session.js';
import { requestSync, syncEvents, syncStatus } from '../sync.js';
import { localDate, shortTime } from '../time.js';
import { clear, h, navigate } from './dom.js';
import { homeScreenGuide, inAppName } from './field-notices.js';
import { hazardsLink } from './hazards.js';
import { showToast } from './toast.js';
import { showLogin } from './login.js';

let mounted = null;

export async function showHome(main) {
  const root = h('div', { class: 'home' });
  clear(main).append(root);
  mounted?.();
  let pending = null;
  const rerender = () => {
    clearTimeout(pending);
    pending = setTimeout(() => document.contains(root) && render(root), 50);
  };
  outbox.outboxEvents.addEventListener('change', rerender);
  syncEvents.addEventListener('status', rerender);
  session.sessionEvents.addEventListener('change', rerender);
  mounted = () => {
    outbox.outboxEvents.removeEventListener('change', rerender);
    syncEvents.removeEventListener('status', rerender);
    session.sessionEvents.removeEventListener('change', rerender);
  };
  await render(root);
}

async function render(root) {
  const [records, counts, user, sites, persistence, items] = await Promise.all([
    outbox.listRecords(),
    outbox.counts(),
    session.currentUser(),
    reference.sites(),
    persistenceState(),
    reference.itemIndex(),
  ]);
  const byState = (state) => records.filter((r) => r.state === state);
  const section = (id, title, list, cls, collapsed) => listSection(id, title, list, items, cls, collapsed);
  const parts = [
    inAppUnsynced(counts),
    statusCard(counts),
    h('button', { type: 'button', class: 'btn btn-primary btn-block', id: 'scan-qr', onclick: openScanner }, t('scan_qr')),
    hazardsLink(),
    h('a', { class: 'btn btn-block', id: 'my-checks-link', href: '/app/checks' }, t('my_checks')),
    homeScreenGuide(),
    persistence === false ? h('p', { class: 'card card-warn', id: 'persist-refused' }, t('persist_refused')) : null,
    section('needs-attention', t('needs_attention'), byState('rejected').concat(byState('conflict')), 'card-bad'),
    section('unsent', t('unsent'), byState('queued').concat(byState('sending'))),
    section('drafts', t('drafts'), byState('draft')),
    sitesSection(sites, records),
    section('synced', t('recent_synced'), byState('synced').slice(0, 10), '', true),
    footer(user, counts),
  ];
  clear(root).append(...parts.filter(Boolean));
}

async function persistenceState() {
  if (!navigator.storage?.persisted) return null;
  return navigator.storage.persisted();
}

function statusCard(counts) {
  const status = syncStatus();
  const lines = [];
  let kind = 'ok';
  let headline;
  if (status.phase === 'needs_login' || session.loginNeeded()) {
    kind = 'bad';
    headline = t('needs_login');
  } else if (counts.pending) {
    kind = 'warn';
    headline = t('waiting_n', { n: counts.pending });
  } else if (counts.rejected) {
    kind = 'bad';
    headline = t('attention_n', { n: counts.rejected });
  } else {
    headline = t('all_synced');
  }
  if (counts.draft) lines.push(t('drafts_n', { n: counts.draft }));
  if (status.phase === 'syncing') lines.push(t('syncing'));
  else if (status.phase === 'offline' && counts.pending) lines.push(t('offline'));
  lines.push(status.lastSyncAt ? t('last_sync', { time: shortTime(status.lastSyncAt) }) : t('never_synced'));
  if (status.nextAttemptAt && counts.pending) lines.push(t('next_try', { time: shortTime(status.nextAttemptAt) }));
  return h(
    'section',
    { class: `card status status-${kind}`, id: 'sync-status', 'data-pending': counts.pending, 'data-phase': status.phase },
    h('p', { class: 'status-headline' }, headline),
    lines.map((line) => h('p', { class: 'muted' }, line)),
    status.phase === 'needs_login' || session.loginNeeded()
      ? h('button', { type: 'button', class: 'btn btn-primary btn-block', onclick: () => showLogin({ again: true }) }, t('login'))
      : h('button', { type: 'button', class: 'btn btn-block', id: 'sync-now', onclick: () => requestSync('button') }, t('sync_now')),
  );
}

function recordRow(record, items) {
  const title = record.site_name || record.site_code || record.payload?.site_code || record.id;
  const actions = [];
  const editUrl = outbox.RECORD_TYPES[record.type]?.editUrl?.(record);
  if (record.state === 'draft' && editUrl) {
    actions.push(h('a', { class: 'btn btn-small', href: editUrl }, t('continue_draft')));
    actions.push(h('button', { type: 'button', class: 'btn btn-small btn-quiet', onclick: async () => {
      if (confirm(t('confirm_discard'))) await outbox.discardDraft(record.id);
    } }, t('discard')));
  }
  if (record.state === 'rejected') {
    if (editUrl) actions.push(h('a', { class: 'btn btn-small btn-primary', href: editUrl }, t('edit_resend')));
    actions.push(h('button', { type: 'button', class: 'btn btn-small', onclick: async () => {
      await outbox.transition(record.id, 'queued', {});
      requestSync('resend');
    } }, t('resend')));
  }
  const when = record.state === 'draft' ? record.updated_at : record.submitted_at || record.updated_at;
  return h(
    'li',
    { class: `record record-${record.state}`, 'data-record-id': record.id, 'data-state': record.state },
    h('div', { class: 'record-main' },
      h('strong', {}, title),
      h('span', { class: `pill pill-${record.state}` }, t(`state_${record.state}`)),
    ),
    h('p', { class: 'muted' }, shortTime(when), record.attempts ? ` · ×${record.attempts}` : ''),
    record.last_error && record.state !== 'synced'
      ? h('p', { class: 'record-error' }, t('last_error', { error: describeError(record.last_error, record, items) }))
      : null,
    actions.length ? h('div', { class: 'actions' }, actions) : null,
  );
}

function listSection(id, title, records, items, cls = '', collapsed = false) {
  if (!records.length) return null;
  const list = h('ul', { class: 'records' }, records.map((record) => recordRow(record, items)));
  if (collapsed) {
    return h('details', { class: 'card', id }, h('summary', {}, `${title} (${records.length})`), list);
  }
  return h('section', { class: `card ${cls}`, id }, h('h2', {}, `${title} (${records.length})`), list);
}

function sitesSection(sites, records) {
  const refresh = h('button', { type: 'button', class: 'btn btn-small btn-quiet', onclick: async () => {
    const kind = await reference.refreshReference();
    showToast(kind === 'ok' ? '✓' : t('offline'));
    navigate('/', { replace: true });
  } }, t('sites_refresh'));
  if (!sites.length) {
    return h('section', { class: 'card', id: 'sites' }, h('h2', {}, t('sites')), h('p', {}, t('sites_empty')), refresh);
  }
  const rows = sitesForToday(sites, records, localDate(new Date()));
  const done = rows.filter((row) => row.checked).length;
  return h(
    'section',
    { class: 'card', id: 'sites' },
    h('h2', {}, t('sites')),
    h('p', { class: 'muted', id: 'sites-today' }, t('sites_checked_today', { done, total: rows.length })),
    h('ul', { class: 'sites' }, rows.map(({ site, checked }) =>
      h('li', { 'data-site': site.code, 'data-checked-today': checked ? checked.source : null },
        h('a', { class: `site-link${checked ? ' site-done' : ''}`, href: `/s/${encodeURIComponent(site.code)}` },
          h('strong', {}, site.name),
          h('span', { class: 'muted' }, `${site.code} · ${site.unit?.name || ''}`),
          checked ? h('span', { class: 'done-today' }, describeCheckedToday(checked)) : null,
          h('span', { class: 'site-go' }, checked ? '' : t('open_form'), ' ›'))))),
    refresh,
  );
}

/** In an in-app browser with unsynced checks: they live only there; say so first. */
function inAppUnsynced(counts) {
  const app = inAppName();
  const unsynced = counts.pending + counts.rejected;
  if (!app || !unsynced) return null;
  return h('p', { class: 'card card-bad', id: 'inapp-unsynced', role: 'alert' }, t('inapp_unsynced', { n: unsynced, app }));
}

function footer(user, counts) {
  return h(
    'footer',
    { class: 'home-footer' },
    user ? h('p', { class: 'muted' }, t('logged_in_as', { name: user.name || user.username, org: user.org?.name || '' })) : null,
    h('button', { type: 'button', class: 'btn btn-block', id: 'export-unsent', onclick: exportUnsent }, t('export_unsent')),
    h('p', { class: 'muted' }, t('export_hint')),
    h('a', { class: 'btn btn-block', href: '/app/self-test' }, t('self_test')),
    user
      ? h('button', { type: 'button', class: 'btn btn-block btn-quiet', id: 'logout', onclick: () => logOut(counts) }, t('logout'))
      : null,
    h('p', { class: 'muted small' }, lang() === 'zh' ? '人防日检 · 离线可用' : 'Shelter Daily Check · works offline'),
  );
}

async function openScanner() {
  // Loaded on first use (the decoder is large); precached, so it works underground.
  const scanner = await import('./scanner.js');
  await scanner.openScanner();
}

async function exportUnsent() {
  const user = await session.currentUser();
  const data = await outbox.buildExport({ deviceId: await session.deviceId(), username: user?.username || null });
  if (!data.inspections.length) {
    showToast(t('export_nothing'));
    return;
  }
  const blob = new Blob([JSON.stringify(data)], { type: 'application/json' });
  const a = h('a', {
    href: URL.createObjectURL(blob),
    download: `unsent-${data.username || 'device'}-${data.exported_at.slice(0, 19).replace(/[:T]/g, '')}.json`,
  });
  document.body.append(a);
  a.click();
  a.remove();
}

async function logOut(counts) {
  const unsynced = counts.pending + counts.rejected + counts.draft;
  if (unsynced && !confirm(t('confirm_logout_unsynced', { n: unsynced }))) return;
  await session.logOut();
  navigate('/', { replace: true });
  await showLogin();
  navigate('/', { replace: true });
}
