// The badge in the top bar: how many records wait, and whether the last sync worked.

import { t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { syncEvents, syncStatus } from '../sync.js';
import { h, clear } from './dom.js';

export function mountSyncBadge(el) {
  const render = async () => {
    const counts = await outbox.counts();
    const status = syncStatus();
    let kind = 'ok';
    let text = '✓ ' + t('state_synced');
    if (status.phase === 'needs_login') {
      kind = 'warn';
      text = '! ' + t('login');
    } else if (counts.rejected) {
      kind = 'bad';
      text = `! ${t('needs_attention')} ${counts.rejected}`;
    } else if (counts.pending) {
      kind = 'warn';
      text = (status.phase === 'syncing' ? '⟳ ' : '↑ ') + t('waiting_n_short', { n: counts.pending });
    }
    clear(el).append(h('a', { href: '/', class: `badge badge-${kind}`, 'data-pending': counts.pending }, text));
  };
  outbox.outboxEvents.addEventListener('change', render);
  syncEvents.addEventListener('status', render);
  render();
  return render;
}
