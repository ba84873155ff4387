// The PWA's login screen (POST /api/v1/session). After login: cache the sites and
// templates for offline use, then sync anything that waited for the login.

import { t } from '../i18n.js';
import * as reference from '../reference.js';
import * as session from '../session.js';
import { requestSync } from '../sync.js';
import { clear, h } from './dom.js';
import { inAppGuide } from './field-notices.js';

/**
 * Show the login form over the current screen. Resolves once logged in.
 * `again`: the session expired; queued records stay queued meanwhile.
 */
export function showLogin({ again = false } = {}) {
  return new Promise((resolve) => {
    document.getElementById('login-overlay')?.remove();
    const error = h('p', { class: 'error', role: 'alert' });
    const button = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login'));
    const form = h(
      'form',
      { class: 'login-form card', id: 'login-form' },
      h('h1', {}, again ? t('needs_login') : t('login_title')),
      h('label', { class: 'field' }, t('username'),
        h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' })),
      h('label', { class: 'field' }, t('password'),
        h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      error,
      button,
    );
    // Inside WeChat & co. the way out comes first: logging in there would keep checks there.
    const overlay = h('div', { class: 'overlay', id: 'login-overlay' }, h('div', { class: 'overlay-body' }, inAppGuide('inapp-guide-login'), form));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      error.textContent = '';
      const reply = await session.logIn(form.username.value.trim(), form.password.value);
      button.disabled = false;
      if (reply.kind === 'ok') {
        overlay.remove();
        await reference.refreshReference();
        requestSync('login');
        resolve(reply.body.user);
      } else if (reply.kind === 'retry') {
        error.textContent = t('login_offline');
      } else {
        error.textContent = t('login_failed', { message: reply.message });
      }
    });
    document.body.append(overlay);
    form.username.focus();
  });
}

export function hideLogin() {
  const overlay = document.getElementById('login-overlay');
  if (overlay) clear(overlay).remove();
}
