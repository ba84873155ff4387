// When and how the outbox reaches the server.
//
// Triggers: submit, the `online` event, app start, the app becoming visible, a timer while
// anything is pending, the "sync now" button, and Background Sync where the browser has
// it. Failures back off exponentially with jitter. Connectivity is judged by a real
// request to our server (GET /api/v1/me), never by navigator.onLine.
//
// One pass: probe → for each record type, batches of queued records: mark them sending,
// upload the photos the server may lack (PUT by SHA-256, so a retry never stores a photo
// twice), post the batch, and apply each per-record result (outbox.outcomeOf).

import * as api from './api.js';
import { backoffDelay } from './backoff.js';
import * as db from './db.js';
import * as outbox from './outbox.js';
import * as session from './session.js';
import { isoWithOffset } from './time.js';

const PENDING_POLL_MS = 60 * 1000;
const MORE_WORK_MS = 1000;

export const syncEvents = new EventTarget();

const status = {
  phase: 'idle', // idle | syncing | offline | needs_login | error
  lastSyncAt: null,
  lastError: null,
  nextAttemptAt: null,
  failures: 0,
};

let running = null;
let rerun = false;
let timer = null;
let moreWork = false;

export function syncStatus() {
  return { ...status };
}

function publish(changes) {
  Object.assign(status, changes);
  syncEvents.dispatchEvent(new CustomEvent('status', { detail: syncStatus() }));
}

/** Run a sync pass now (or right after the one in progress). Resolves when done. */
export function requestSync(_reason = 'manual') {
  if (running) {
    rerun = true;
    return running;
  }
  running = (async () => {
    let passes = 0;
    do {
      rerun = false;
      moreWork = false;
      await flushOnce();
      passes += 1;
    } while ((rerun || moreWork) && passes < 3 && status.phase === 'idle');
  })()
    .catch((error) => {
      status.failures += 1;
      publish({ phase: 'error', lastError: String(error?.message || error) });
    })
    .finally(async () => {
      running = null;
      await scheduleNext();
    });
  return running;
}

async function flushOnce() {
  publish({ phase: 'syncing' });
  const me = await api.probe();
  if (me.kind === 'needs_login') {
    session.markLoginNeeded(true);
    publish({ phase: 'needs_login' });
    return;
  }
  if (me.kind !== 'ok') {
    status.failures += 1;
    publish({ phase: 'offline', lastError: me.message });
    return;
  }
  await session.confirmUser(me.body?.user);
  const username = me.body?.user?.username;
  const deviceId = await session.deviceId();
  for (const [type, spec] of Object.entries(outbox.RECORD_TYPES)) {
    const records = await outbox.queued(type, username);
    for (let i = 0; i < records.length; i += spec.batchSize) {
      const verdict = await sendBatch(spec, records.slice(i, i + spec.batchSize), deviceId);
      if (verdict === 'needs_login') {
        session.markLoginNeeded(true);
        publish({ phase: 'needs_login' });
        return;
      }
      if (verdict === 'retry') {
        status.failures += 1;
        publish({ phase: 'offline' });
        return;
      }
    }
  }
  const at = new Date().toISOString();
  await db.setMeta('last_sync_at', at);
  status.failures = 0;
  publish({ phase: 'idle', lastSyncAt: at, lastError: null });
}

/** Send one batch; returns "ok", "needs_login" or "retry". */
async function sendBatch(spec, records, deviceId) {
  const ids = records.map((r) => r.id);
  for (const record of records) {
    await outbox.transition(record.id, 'sending', {
      attempts: (record.attempts || 0) + 1,
      last_attempt_at: new Date().toISOString(),
    });
  }
  try {
    const sendable = [];
    for (const record of records) {
      const upload = await uploadPhotos(spec, record);
      if (upload.kind === 'ok') {
        sendable.push(record);
      } else if (upload.kind === 'needs_attention') {
        await outbox.transition(record.id, 'rejected', { last_error: errorOf(upload) });
      } else {
        await requeue(ids, errorOf(upload));
        return upload.kind;
      }
    }
    if (!sendable.length) return 'ok';
    const reply = await api.apiFetch(spec.endpoint, {
      method: 'POST',
      json: {
        device_id: deviceId,
        device_time: isoWithOffset(new Date()),
        [spec.batchField]: sendable.map((r) => r.payload),
      },
    });
    if (reply.kind === 'ok') {
      await applyResults(sendable, reply.body?.results || []);
      return 'ok';
    }
    if (reply.kind === 'needs_attention') {
      if (sendable.length > 1) {
        // The batch as a whole was refused: send one by one to find the record at fault.
        await requeue(ids, null);
        for (const record of sendable) {
          const verdict = await sendBatch(spec, [await db.getRecord(record.id)], deviceId);
          if (verdict !== 'ok') return verdict;
        }
        return 'ok';
      }
      await outbox.transition(sendable[0].id, 'rejected', { last_error: errorOf(reply) });
      return 'ok';
    }
    await requeue(ids, errorOf(reply));
    return reply.kind;
  } catch (error) {
    await requeue(ids, { error: 'client', message: String(error?.message || error) });
    throw error;
  }
}

async function applyResults(records, results) {
  const byId = new Map(results.map((r) => [r.id, r]));
  for (const record of records) {
    const result = byId.get(record.id);
    const outcome = outbox.outcomeOf(result);
    for (const sha of outcome.missingPhotos) await db.setPhotoUploaded(sha, false);
    if (outcome.missingPhotos.length && outcome.state === 'queued') moreWork = true;
    await outbox.transition(record.id, outcome.state, {
      server_status: result?.status || null,
      missing_photos: outcome.missingPhotos,
      last_error:
        outcome.state === 'synced'
          ? null
          : { error: typeof outcome.error === 'string' ? outcome.error : 'rejected', fields: result?.errors },
      synced_at: outcome.state === 'synced' ? new Date().toISOString() : null,
    });
    if (outcome.state === 'synced') await outbox.forgetPhotos(record.id);
  }
}

async function uploadPhotos(spec, record) {
  for (const sha of spec.photosOf(record.payload)) {
    const photo = await db.getPhoto(sha);
    // Not on the phone: already confirmed by the server earlier, or lost; the server's
    // missing_photos tells which.
    if (!photo || photo.uploaded) continue;
    const reply = await api.uploadPhoto(sha, photo.blob, photo.content_type);
    if (reply.kind !== 'ok') return reply;
    await db.setPhotoUploaded(sha, true);
  }
  return { kind: 'ok' };
}

async function requeue(ids, lastError) {
  for (const id of ids) {
    const record = await db.getRecord(id);
    if (record?.state === 'sending') {
      await outbox.transition(id, 'queued', lastError ? { last_error: lastError } : {});
    }
  }
}

function errorOf(reply) {
  return {
    error: reply.body?.error || (reply.status ? `http_${reply.status}` : 'network'),
    message: reply.message,
    fields: reply.body?.fields,
    status: reply.status,
  };
}

async function scheduleNext() {
  clearTimeout(timer);
  timer = null;
  if (status.phase === 'needs_login') return publish({ nextAttemptAt: null });
  const { pending } = await outbox.counts();
  let delay = null;
  if (moreWork) delay = MORE_WORK_MS;
  else if (status.failures > 0 && pending > 0) delay = backoffDelay(status.failures);
  else if (pending > 0) delay = PENDING_POLL_MS;
  if (delay === null) return publish({ nextAttemptAt: null });
  timer = setTimeout(() => requestSync('timer'), delay);
  publish({ nextAttemptAt: new Date(Date.now() + delay).toISOString() });
}

/** Install every trigger. Called once at start-up. */
export async function startSync() {
  status.lastSyncAt = (await db.getMeta('last_sync_at')) || null;
  window.addEventListener('online', () => requestSync('online'));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') requestSync('visible');
  });
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'sync') requestSync('background-sync');
  });
  outbox.outboxEvents.addEventListener('change', (event) => {
    if (event.detail?.state === 'queued' && !running && !timer) scheduleNext();
  });
  return requestSync('start');
}

/** Ask for a Background Sync (a bonus: the other triggers never depend on it). */
export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register('outbox');
  } catch {
    // Not supported or not allowed: the other triggers cover it.
  }
}
