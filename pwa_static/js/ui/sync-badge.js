// The badge in the top bar: offline, how many records wait, and whether the last sync
// worked. "Offline" when the last real request to our server failed or the browser knows it
// has no network: never "synced" while nothing can reach the server.

import { t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { syncEvents, syncStatus } from '../sync.js';
import { h, clear } from './dom.js';

/** What the badge says: {kind, text}. */
export function badgeOf(counts, status, online) {
  if (status.phase === 'needs_login') return { kind: 'warn', text: '! ' + t('login') };
  if (!online || status.phase === 'offline') {
    // Short: the brand and the language switch share a 360 px bar with it.
    return { kind: 'offline', text: t('badge_offline') + (counts.pending ? ` ↑${counts.pending}` : '') };
  }
  if (counts.rejected) return { kind: 'bad', text: `! ${t('needs_attention')} ${counts.rejected}` };
  if (counts.pending) {
    return { kind: 'warn', text: (status.phase === 'syncing' ? '⟳ ' : '↑ ') + t('waiting_n_short', { n: counts.pending }) };
  }
  return { kind: 'ok', text: '✓ ' + t('state_synced') };
}

export function mountSyncBadge(el) {
  const render = async () => {
    const counts = await outbox.counts();
    const { kind, text } = badgeOf(counts, syncStatus(), navigator.onLine !== false);
    clear(el).append(
      h('a', { href: '/', class: `badge badge-${kind}`, 'data-pending': counts.pending, 'data-kind': kind }, text),
    );
  };
  outbox.outboxEvents.addEventListener('change', render);
  syncEvents.addEventListener('status', render);
  window.addEventListener('online', render);
  window.addEventListener('offline', render);
  render();
  return render;
}
