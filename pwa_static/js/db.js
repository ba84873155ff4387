// The only module that touches IndexedDB. Everything the phone must not lose lives here:
// drafts and outbox records, photo Blobs, and the cached sites and checklist templates.
//
// Schema changes are a ladder of `if (oldVersion < N)` steps. A step may add stores and
// indexes and rewrite records in place; it never deletes a store that can hold unsynced
// data (records, photos). tests/browser/test_offline.py opens a version-1 database
// with queued and draft records and checks they survive the upgrade.

import { openDB } from '../vendor/idb/idb.js';

export const DB_NAME = 'shelter-daily-check';
export const DB_VERSION = 2;

let dbPromise = null;

/** The open database (idb's promise wrapper), opened once per page. */
export function getDB() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      upgrade,
      blocked() {
        // An old tab still holds version N-1 open; it closes itself on versionchange.
      },
      blocking() {
        // A newer version of the app wants to upgrade: let it, and reload into it.
        dbPromise?.then((db) => db.close());
        dbPromise = null;
      },
    });
  }
  return dbPromise;
}

async function upgrade(db, oldVersion, _newVersion, tx) {
  if (oldVersion < 1) {
    // Version 1: the outbox (drafts included), photos by SHA-256, and key-value meta.
    const records = db.createObjectStore('records', { keyPath: 'id' });
    records.createIndex('state', 'state');
    db.createObjectStore('photos', { keyPath: 'sha256' });
    db.createObjectStore('meta');
  }
  if (oldVersion < 2) {
    // Version 2: cached reference data, record types (hazard events join inspections),
    // and photos indexed by the record that owns them.
    db.createObjectStore('sites', { keyPath: 'code' });
    db.createObjectStore('templates', { keyPath: 'id' });
    const records = tx.objectStore('records');
    records.createIndex('type', 'type');
    tx.objectStore('photos').createIndex('record', 'record_id');
    // Version-1 records were all inspections.
    let cursor = await records.openCursor();
    while (cursor) {
      if (!cursor.value.type) cursor.update({ ...cursor.value, type: 'inspection' });
      cursor = await cursor.continue();
    }
  }
}

// --- records (drafts and the outbox) --------------------------------------------------

export async function getRecord(id) {
  return (await getDB()).get('records', id);
}

export async function putRecord(record) {
  await (await getDB()).put('records', record);
  return record;
}

export async function allRecords() {
  return (await getDB()).getAll('records');
}

export async function recordsInState(state) {
  return (await getDB()).getAllFromIndex('records', 'state', state);
}

/**
 * Read-modify-write one record in a single transaction (nothing else awaited inside).
 * `change(record)` returns the new record, or throws to abort.
 */
export async function updateRecord(id, change) {
  const db = await getDB();
  const tx = db.transaction('records', 'readwrite');
  const current = await tx.store.get(id);
  if (!current) {
    tx.abort();
    throw new Error(`no record ${id}`);
  }
  let next;
  try {
    next = change(current);
  } catch (error) {
    tx.abort();
    throw error;
  }
  tx.store.put(next);
  await tx.done;
  return next;
}

export async function deleteRecord(id) {
  const db = await getDB();
  const tx = db.transaction(['records', 'photos'], 'readwrite');
  const photos = await tx.objectStore('photos').index('record').getAllKeys(id);
  for (const sha of photos) tx.objectStore('photos').delete(sha);
  tx.objectStore('records').delete(id);
  await tx.done;
}

// --- photos -----------------------------------------------------------------------------

export async function putPhoto(photo) {
  await (await getDB()).put('photos', photo);
}

export async function getPhoto(sha256) {
  return (await getDB()).get('photos', sha256);
}

export async function deletePhoto(sha256) {
  await (await getDB()).delete('photos', sha256);
}

export async function photosOfRecord(recordId) {
  return (await getDB()).getAllFromIndex('photos', 'record', recordId);
}

export async function setPhotoUploaded(sha256, uploaded) {
  const db = await getDB();
  const tx = db.transaction('photos', 'readwrite');
  const photo = await tx.store.get(sha256);
  if (photo) tx.store.put({ ...photo, uploaded });
  await tx.done;
}

// --- meta (device id, user, last sync) -----------------------------------------------

export async function getMeta(key) {
  return (await getDB()).get('meta', key);
}

export async function setMeta(key, value) {
  await (await getDB()).put('meta', value, key);
}

export async function deleteMeta(key) {
  await (await getDB()).delete('meta', key);
}

// --- reference data -----------------------------------------------------------------

/** Replace the cached site list with the sites now in the user's scope. */
export async function replaceSites(sites) {
  const db = await getDB();
  const tx = db.transaction('sites', 'readwrite');
  await tx.store.clear();
  for (const site of sites) tx.store.put(site);
  await tx.done;
}

export async function allSites() {
  return (await getDB()).getAll('sites');
}

export async function getSite(code) {
  return (await getDB()).get('sites', code);
}

export async function putTemplate(template) {
  await (await getDB()).put('templates', template);
}

export async function getTemplate(id) {
  return (await getDB()).get('templates', id);
}

export async function templateIds() {
  return (await getDB()).getAllKeys('templates');
}

export async function allTemplates() {
  return (await getDB()).getAll('templates');
}
