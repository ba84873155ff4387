// Who is using this phone: the device id (made once), the logged-in user as last
// confirmed by the server, and whether the server has said the session expired.

import * as api from './api.js';
import * as db from './db.js';

export const sessionEvents = new EventTarget();

let needsLogin = false;

export async function deviceId() {
  let id = await db.getMeta('device_id');
  if (!id) {
    id = crypto.randomUUID();
    await db.setMeta('device_id', id);
  }
  return id;
}

/** The user the server last confirmed ({username, name, role, org}), or null. */
export async function currentUser() {
  return (await db.getMeta('user')) || null;
}

export function loginNeeded() {
  return needsLogin;
}

export function markLoginNeeded(value) {
  if (needsLogin === value) return;
  needsLogin = value;
  sessionEvents.dispatchEvent(new CustomEvent('change'));
}

export async function logIn(username, password) {
  const reply = await api.logIn(username, password);
  if (reply.kind === 'ok') {
    await db.setMeta('user', reply.body.user);
    markLoginNeeded(false);
  }
  return reply;
}

/** Remember the user from a successful GET /api/v1/me. */
export async function confirmUser(user) {
  if (user) await db.setMeta('user', user);
  markLoginNeeded(false);
}

export async function logOut() {
  const reply = await api.logOut();
  await db.deleteMeta('user');
  sessionEvents.dispatchEvent(new CustomEvent('change'));
  return reply;
}
