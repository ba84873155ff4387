// The outbox: a small state machine over the records in IndexedDB. No DOM here; the UI
// listens to `outboxEvents` ("change").
//
//   draft → queued → sending → synced | rejected | conflict
//                       ↘ queued (retry: network, 5xx, missing photos, expired session)
//   rejected → draft (the user edits it) → queued (resend, same id)
//
// A record leaves the phone only when the server has confirmed it AND holds every photo
// it references. Nothing unsynced ever expires.

import * as db from './db.js';
import { HISTORY_DAYS, submittedAt } from './history.js';

/**
 * One entry per kind of record the phone sends. Adding a kind (e.g. "hazard_event")
 * is one more entry: its endpoint (which answers `{results: [{id, status, errors?,
 * missing_photos?}]}` like the inspection endpoint), the payload field that carries the
 * batch, which photo hashes a payload references, and optionally where the user edits a
 * rejected record (`editUrl`; without it the home screen offers "resend" only).
 */
export const RECORD_TYPES = {
  inspection: {
    endpoint: '/api/v1/sync/inspections',
    batchField: 'inspections',
    batchSize: 25,
    photosOf: inspectionPhotos,
    editUrl: (record) => `/s/${encodeURIComponent(record.site_code)}?d=${record.id}`,
  },
  hazard_event: {
    endpoint: '/api/v1/sync/hazard-events',
    batchField: 'events',
    batchSize: 25,
    photosOf: (payload) => [...new Set(payload.photos || [])],
  },
};

export const STATES = ['draft', 'queued', 'sending', 'synced', 'rejected', 'conflict'];

const TRANSITIONS = {
  draft: ['queued'],
  queued: ['sending', 'draft'],
  sending: ['synced', 'rejected', 'conflict', 'queued'],
  rejected: ['draft', 'queued'],
  conflict: [],
  synced: [],
};

/** States that still need the network (what "waiting to sync" counts). */
export const PENDING_STATES = ['queued', 'sending'];

export function canTransition(from, to) {
  return (TRANSITIONS[from] || []).includes(to);
}

/** Every photo hash an inspection payload references (evidence and after-fix photos). */
export function inspectionPhotos(payload) {
  const hashes = [];
  for (const result of payload.results || []) {
    hashes.push(...(result.photos || []));
    hashes.push(...(result.rectification?.photos || []));
  }
  return [...new Set(hashes)];
}

/**
 * What one per-record result of a sync reply means for the record on the phone:
 * `{state, error?, missingPhotos}`. The one place this rule lives.
 */
export function outcomeOf(result) {
  const missing = result?.missing_photos || [];
  switch (result?.status) {
    case 'created':
    case 'duplicate':
      // Received, but evidence incomplete: stay queued until the photos are there.
      return missing.length
        ? { state: 'queued', error: 'missing_photos', missingPhotos: missing }
        : { state: 'synced', missingPhotos: [] };
    case 'conflict':
      return { state: 'conflict', error: 'conflict', missingPhotos: missing };
    case 'rejected':
      return { state: 'rejected', error: result.errors || 'rejected', missingPhotos: [] };
    default:
      return { state: 'queued', error: 'unexpected_reply', missingPhotos: [] };
  }
}

export const outboxEvents = new EventTarget();

function changed(record) {
  outboxEvents.dispatchEvent(new CustomEvent('change', { detail: record }));
}

function now() {
  return new Date().toISOString();
}

/** Move a record to `to`, merging `changes`; throws on a transition the machine forbids. */
export async function transition(id, to, changes = {}) {
  const record = await db.updateRecord(id, (current) => {
    if (!canTransition(current.state, to)) {
      throw new Error(`outbox: ${current.state} → ${to} is not allowed (${id})`);
    }
    return { ...current, ...changes, state: to, updated_at: now() };
  });
  changed(record);
  return record;
}

/** Create or update a draft. `draft` carries the form's own state under `form`. */
export async function saveDraft(draft) {
  const existing = await db.getRecord(draft.id);
  if (existing && existing.state !== 'draft') {
    throw new Error(`outbox: record ${draft.id} is ${existing.state}, not a draft`);
  }
  const record = {
    type: 'inspection',
    created_at: now(),
    attempts: 0,
    last_error: null,
    ...existing,
    ...draft,
    state: 'draft',
    updated_at: now(),
  };
  await db.putRecord(record);
  changed(record);
  return record;
}

/**
 * A record that is complete when made (no draft stage), e.g. a hazard event: written as a
 * draft and queued at once. `record` needs {id, type, username, payload}; any other
 * fields (site_code, site_name, ...) are shown on the home screen.
 */
export async function createQueued(record) {
  if (!RECORD_TYPES[record.type]) throw new Error(`outbox: unknown record type ${record.type}`);
  await saveDraft(record);
  return enqueue(record.id, record.payload);
}

/** Submit: the draft becomes a queued record carrying the payload the server gets. */
export async function enqueue(id, payload) {
  return transition(id, 'queued', { payload, submitted_at: now(), last_error: null });
}

/** Take a rejected record back for editing. */
export async function reopen(id) {
  return transition(id, 'draft', {});
}

export async function discardDraft(id) {
  const record = await db.getRecord(id);
  if (record && record.state !== 'draft') throw new Error('only drafts can be discarded');
  await db.deleteRecord(id);
  changed({ id, state: 'deleted' });
}

/** After a crash or a closed tab mid-send, "sending" records go back to the queue. */
export async function recoverInterrupted() {
  for (const record of await db.recordsInState('sending')) {
    await transition(record.id, 'queued', { last_error: 'interrupted' });
  }
}

/** Queued records of `type` that belong to `username`, oldest first. */
export async function queued(type, username) {
  const records = await db.recordsInState('queued');
  return records
    // Another account's records wait for that account (the server would book them to
    // whoever is logged in); records made without a known user go with the current one.
    .filter((r) => r.type === type && (!username || !r.username || r.username === username))
    .sort((a, b) => (a.submitted_at || '').localeCompare(b.submitted_at || ''));
}

export async function listRecords() {
  const records = await db.allRecords();
  return records.sort((a, b) => (b.updated_at || '').localeCompare(a.updated_at || ''));
}

export async function counts() {
  const result = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const record of await db.allRecords()) result[record.state] += 1;
  result.pending = result.queued + result.sending;
  result.unsynced = result.pending + result.rejected + result.draft;
  return result;
}

/** Once synced, the photo Blobs can go: the server holds them. The record's summary stays. */
export async function forgetPhotos(id) {
  for (const photo of await db.photosOfRecord(id)) await db.deletePhoto(photo.sha256);
}

/**
 * Synced records submitted more than `days` ago are removed from the phone. Until then
 * "My checks" shows what was submitted (their photos went once the server had them).
 */
export async function pruneSynced(days = HISTORY_DAYS) {
  const cutoff = new Date(Date.now() - days * 86400e3).toISOString();
  for (const record of await db.recordsInState('synced')) {
    if (submittedAt(record) < cutoff) await db.deleteRecord(record.id);
  }
}

/**
 * The last-resort export: every unsent record (queued, sending, rejected) with its photos,
 * in the format POST /api/v1/sync/import reads.
 */
export async function buildExport({ deviceId, username }) {
  const records = (await db.allRecords()).filter((r) =>
    ['queued', 'sending', 'rejected'].includes(r.state) && r.type === 'inspection',
  );
  const inspections = records.map((r) => r.payload);
  const photos = [];
  for (const sha of new Set(inspections.flatMap(inspectionPhotos))) {
    const photo = await db.getPhoto(sha);
    if (!photo) continue;
    photos.push({
      sha256: sha,
      content_type: photo.content_type,
      data: await blobToBase64(photo.blob),
    });
  }
  return {
    format: 'shelter-daily-check/unsent',
    version: 1,
    exported_at: new Date().toISOString(),
    device_id: deviceId,
    username,
    inspections,
    photos,
  };
}

async function blobToBase64(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
