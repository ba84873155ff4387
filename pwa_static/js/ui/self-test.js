// The self-test page (/app/self-test): can this phone work underground? The browser (not an
// in-app one), the home screen (on iOS), service worker, IndexedDB, persistent storage, the
// storage used and free, camera, SHA-256, server, cached sites.

import * as api from '../api.js';
import * as db from '../db.js';
import { t } from '../i18n.js';
import { isStandalone } from '../browser-env.js';
import { sha256Hex } from '../photos.js';
import { shortTime } from '../time.js';
import { clear, h } from './dom.js';
import { currentGuidance, inAppName } from './field-notices.js';

const CHECKS = [
  ['browser', async () => {
    const app = inAppName();
    return { ok: !app, detail: app ? t('st_browser_inapp', { app }) : t('st_browser_ok') };
  }],
  ['home_screen', async () => {
    if (isStandalone()) return { ok: true, detail: t('st_installed') };
    // Only iOS deletes the storage of a site not on the home screen (after 7 days unused).
    const ios = currentGuidance().addToHomeScreen;
    return { ok: !ios, detail: t(ios ? 'st_not_installed_ios' : 'st_not_installed') };
  }],
  ['sw', async () => {
    const registration = await navigator.serviceWorker?.getRegistration();
    const ok = Boolean(registration?.active && navigator.serviceWorker.controller);
    return { ok, detail: registration?.active ? registration.active.scriptURL.replace(location.origin, '') : '—' };
  }],
  ['idb', async () => {
    const key = `self-test-${Date.now()}`;
    await db.setMeta(key, { written: true });
    const back = await db.getMeta(key);
    await db.deleteMeta(key);
    return { ok: back?.written === true, detail: `${db.DB_NAME} v${db.DB_VERSION}` };
  }],
  ['persist', async () => {
    if (!navigator.storage?.persist) return { ok: false, detail: '—' };
    const granted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
    return { ok: granted, detail: granted ? t('persist_granted') : t('persist_refused') };
  }],
  ['quota', async () => {
    if (!navigator.storage?.estimate) return { ok: false, detail: '—' };
    const { quota = 0, usage = 0 } = await navigator.storage.estimate();
    const free = (quota - usage) / 1048576;
    return { ok: free > 100, detail: t('st_quota_value', { free: megabytes(free), used: megabytes(usage / 1048576) }) };
  }],
  ['camera', async () => {
    const devices = (await navigator.mediaDevices?.enumerateDevices?.()) || [];
    const cameras = devices.filter((d) => d.kind === 'videoinput').length;
    // A file input with capture="environment" still opens the system camera without this.
    return { ok: cameras > 0, detail: cameras ? t('st_camera_value', { n: cameras }) : t('st_no_camera') };
  }],
  ['crypto', async () => {
    const ok = Boolean(crypto?.subtle) &&
      (await sha256Hex(new Blob(['abc']))).startsWith('ba7816bf');
    return { ok, detail: 'SHA-256' };
  }],
  ['server', async () => {
    const reply = await api.probe();
    return { ok: reply.kind === 'ok', detail: reply.kind === 'ok' ? location.host : `${reply.status || ''} ${reply.message || ''}` };
  }],
  ['reference', async () => {
    const sites = await db.allSites();
    const at = await db.getMeta('reference_at');
    return { ok: sites.length > 0, detail: t('st_reference_value', { sites: sites.length, time: shortTime(at) || '—' }) };
  }],
];

/** 0.4, 7.5, 1234: a decimal only where it says something. */
function megabytes(mb) {
  return mb < 10 ? mb.toFixed(1) : String(Math.round(mb));
}

export async function showSelfTest(main) {
  const list = h('ul', { class: 'checks', id: 'self-test' });
  clear(main).append(
    h('h1', {}, t('st_title')),
    h('p', { class: 'muted' }, t('st_intro')),
    list,
    h('button', { type: 'button', class: 'btn btn-block', onclick: () => run(list) }, t('st_run')),
    h('a', { class: 'btn btn-block btn-quiet', href: '/' }, t('back')),
  );
  await run(list);
}

async function run(list) {
  clear(list);
  for (const [name, check] of CHECKS) {
    const row = h('li', { class: 'check', 'data-check': name }, h('span', { class: 'check-mark' }, '…'), h('strong', {}, t(`st_${name}`)));
    list.append(row);
    let result;
    try {
      result = await check();
    } catch (error) {
      result = { ok: false, detail: String(error?.message || error) };
    }
    row.dataset.ok = String(result.ok);
    row.querySelector('.check-mark').textContent = result.ok ? '✓' : '✗';
    row.append(h('span', { class: 'muted' }, result.detail));
  }
}
