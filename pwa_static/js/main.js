// Start-up: language, service worker (with an "update available" toast, never a surprise
// reload), persistent storage, login, the router, and the sync triggers.
//
// Each screen's module is loaded when it is first shown: a QR scan waits for the form's
// module graph only (webapp/pwa.py preloads exactly that graph), not for the home screen,
// the hazards, "My checks" or the self-test. All of them are precached, so they load
// underground too.

import * as api from './api.js';
import { lang, setLang, t } from './i18n.js';
import * as outbox from './outbox.js';
import * as reference from './reference.js';
import * as session from './session.js';
import { startSync } from './sync.js';
import { clear, h } from './ui/dom.js';
import { inAppGuide } from './ui/field-notices.js';
import { showLogin } from './ui/login.js';
import { mountSyncBadge } from './ui/sync-badge.js';
import { showToast } from './ui/toast.js';

const main = document.getElementById('main');
let updating = false;

// [screen name, does it show this path?, load its module, show it]
const SCREENS = [
  ['form', (path) => path.startsWith('/s/'), () => import('./ui/inspection-form.js'),
    (m, path, params) => m.showInspectionForm(main, decodeURIComponent(path.slice(3)), params)],
  ['checks', (path) => path === '/app/checks' || path.startsWith('/app/checks/'), () => import('./ui/my-checks.js'),
    (m, path) => m.showMyChecks(main, decodeURIComponent(path.slice('/app/checks/'.length)) || null)],
  ['hazards', (path) => path === '/app/hazards', () => import('./ui/hazards.js'), (m) => m.showHazards(main)],
  ['self-test', (path) => path === '/app/self-test', () => import('./ui/self-test.js'), (m) => m.showSelfTest(main)],
  ['home', () => true, () => import('./ui/home.js'), (m) => m.showHome(main)],
];

async function route() {
  const path = location.pathname;
  const [screen, , load, show] = SCREENS.find(([, matches]) => matches(path));
  await show(await load(), path, new URLSearchParams(location.search));
  document.body.dataset.screen = screen;
}

/**
 * Loads every screen's module into the page after the first screen is up: a phone that
 * loses signal on its way underground before the service worker is installed (or in an
 * in-app browser, where it may never be) can still go from the form to the home screen.
 */
function loadEveryScreen() {
  for (const [name, , load] of SCREENS) load().catch((error) => console.warn('screen', name, error));
}

function mountHeader() {
  const switcher = document.getElementById('lang-switch');
  switcher.textContent = t('lang_switch');
  switcher.addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    switcher.textContent = t('lang_switch');
    document.getElementById('brand').textContent = t('app_name');
    renderBadge();
    mountInAppGuide();
    route();
  });
  document.getElementById('brand').textContent = t('app_name');
  const renderBadge = mountSyncBadge(document.getElementById('sync-badge'));
  mountInAppGuide();
}

/** Inside WeChat, QQ, DingTalk or Alipay: how to get out, above every screen. */
function mountInAppGuide() {
  document.getElementById('inapp-guide')?.remove();
  const guide = inAppGuide();
  if (guide) main.before(guide);
}

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' });
  const offer = (worker) =>
    showToast(t('update_available'), {
      actionLabel: t('update_now'),
      timeout: 0,
      onAction: () => applyUpdate(worker),
    });
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) offer(worker);
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only an update the user accepted reloads the page; the first install never does.
    if (updating) location.reload();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
}

async function applyUpdate(worker) {
  const counts = await outbox.counts();
  const unsynced = counts.pending + counts.rejected;
  if (unsynced && !confirm(t('update_unsynced', { n: unsynced }))) return;
  updating = true;
  worker.postMessage({ type: 'skip-waiting' });
}

async function askPersistence() {
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) await navigator.storage.persist();
  } catch {
    // The home screen shows the refusal (navigator.storage.persisted() is false).
  }
}

/** Resolves once someone is logged in: true if the reference data was fetched meanwhile. */
async function ensureLoggedIn() {
  if (await session.currentUser()) return false;
  // Maybe the browser is already logged in (the managers' pages share the session): ask who
  // we are and fetch the sites at the same time, one round trip less on a first scan.
  const [me, fetched] = await Promise.all([api.probe(), reference.refreshReference()]);
  if (me.kind === 'ok') {
    await session.confirmUser(me.body.user);
    if (fetched !== 'ok') await reference.refreshReference();
    return true;
  }
  clear(main).append(h('p', { class: 'muted' }, t('login_title')));
  await showLogin(); // which fetches the reference data
  return true;
}

async function boot() {
  setLang(lang());
  mountHeader();
  askPersistence();
  window.addEventListener('popstate', route);
  window.addEventListener('app:navigate', route);
  session.sessionEvents.addEventListener('change', () => {
    if (session.loginNeeded() && !document.getElementById('login-overlay')) showLogin({ again: true });
  });
  const fetched = await ensureLoggedIn();
  await route();
  loadEveryScreen();
  // After the first screen: the worker's install downloads the whole app (every screen, the
  // QR decoder, the icons), which would otherwise compete with the form's own first load.
  registerServiceWorker().catch((error) => console.warn('service worker', error));
  // Housekeeping after the first screen is up; before the first sync pass.
  await outbox.recoverInterrupted();
  await outbox.pruneSynced();
  await startSync();
  if (!fetched && !session.loginNeeded()) reference.refreshReference();
}

boot();
