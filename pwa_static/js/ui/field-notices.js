// What the phone's browser means for the inspector: inside WeChat, QQ, DingTalk or Alipay,
// how to open the page in the system browser (or the installed app) and that records kept
// there may be lost; on iOS, how to add the app to the home screen.

import { fieldGuidance, openInBrowserSteps } from '../browser-env.js';
import { t } from '../i18n.js';
import { h } from './dom.js';
import { showToast } from './toast.js';

let guidance = null;

/** {inApp, addToHomeScreen} for this browser, worked out once. */
export function currentGuidance() {
  guidance ||= fieldGuidance(globalThis);
  return guidance;
}

/** The app's name in words ("微信"), or '' outside an in-app browser. */
export function inAppName() {
  const app = currentGuidance().inApp;
  return app ? t(`app_${app}`) : '';
}

async function copyLink(input) {
  input.value = location.href; // the screen may have changed since the card was drawn
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // In-app browsers often refuse the clipboard API: select the text and copy the old way.
    input.select();
    document.execCommand?.('copy');
  }
  showToast(t('inapp_copied'), { kind: 'ok' });
}

/** The card that sends the user from an in-app browser to the system browser; null
 * elsewhere. Shown on every screen, the login included. */
export function inAppGuide(id = 'inapp-guide') {
  const app = currentGuidance().inApp;
  if (!app) return null;
  const name = t(`app_${app}`);
  const link = h('input', {
    class: 'link-copy',
    readonly: true,
    value: location.href,
    'aria-label': t('inapp_copy'),
  });
  return h(
    'section',
    { class: 'card card-bad inapp-guide', id, 'data-in-app': app },
    h('h2', {}, t('inapp_title')),
    h('p', {}, t('inapp_body', { app: name })),
    h('p', { class: 'inapp-steps' }, t(openInBrowserSteps(app))),
    h('p', {}, t('inapp_installed')),
    h('div', { class: 'link-row' },
      link,
      h('button', { type: 'button', class: 'btn btn-small', onclick: () => copyLink(link) }, t('inapp_copy'))),
    h('p', { class: 'inapp-risk' }, t('inapp_risk', { app: name })),
  );
}

/** On iOS outside the home screen: how to add it, and why (Safari's 7-day eviction). */
export function homeScreenGuide() {
  if (!currentGuidance().addToHomeScreen) return null;
  return h(
    'section',
    { class: 'card card-warn', id: 'add-to-home-screen' },
    h('h2', {}, t('ios_title')),
    h('p', {}, t('ios_body')),
  );
}
