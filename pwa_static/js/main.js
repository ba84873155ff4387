// Start-up: language, service worker (with an "update available" toast, never a surprise
// reload), persistent storage, login, the router, and the sync triggers.

import * as api from './api.js';
import { lang, setLang, t } from './i18n.js';
import * as outbox from './outbox.js';
import * as reference from './reference.js';
import * as session from './session.js';
import { startSync } from './sync.js';
import { clear, h } from './ui/dom.js';
import { showHazards } from './ui/hazards.js';
import { showHome } from './ui/home.js';
import { showInspectionForm } from './ui/inspection-form.js';
import { showLogin } from './ui/login.js';
import { showSelfTest } from './ui/self-test.js';
import { mountSyncBadge } from './ui/sync-badge.js';
import { showToast } from './ui/toast.js';

const main = document.getElementById('main');
let updating = false;

async function route() {
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  if (path.startsWith('/s/')) {
    await showInspectionForm(main, decodeURIComponent(path.slice(3)), params);
  } else if (path === '/app/hazards') {
    await showHazards(main);
  } else if (path === '/app/self-test') {
    await showSelfTest(main);
  } else {
    await showHome(main);
  }
  document.body.dataset.screen = path.startsWith('/s/') ? 'form' : path === '/app/self-test' ? 'self-test' : 'home';
}

function mountHeader() {
  const switcher = document.getElementById('lang-switch');
  switcher.textContent = t('lang_switch');
  switcher.addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    switcher.textContent = t('lang_switch');
    document.getElementById('brand').textContent = t('app_name');
    renderBadge();
    route();
  });
  document.getElementById('brand').textContent = t('app_name');
  const renderBadge = mountSyncBadge(document.getElementById('sync-badge'));
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

async function ensureLoggedIn() {
  if (await session.currentUser()) return;
  // Maybe the browser is already logged in (the managers' pages share the session).
  const me = await api.probe();
  if (me.kind === 'ok') {
    await session.confirmUser(me.body.user);
    await reference.refreshReference();
    return;
  }
  clear(main).append(h('p', { class: 'muted' }, t('login_title')));
  await showLogin();
}

async function boot() {
  setLang(lang());
  mountHeader();
  registerServiceWorker().catch((error) => console.warn('service worker', error));
  askPersistence();
  window.addEventListener('popstate', route);
  window.addEventListener('app:navigate', route);
  session.sessionEvents.addEventListener('change', () => {
    if (session.loginNeeded() && !document.getElementById('login-overlay')) showLogin({ again: true });
  });
  await ensureLoggedIn();
  await route();
  // Housekeeping after the first screen is up; before the first sync pass.
  await outbox.recoverInterrupted();
  await outbox.pruneSynced();
  await startSync();
  if (!session.loginNeeded()) reference.refreshReference();
}

boot();
