// Talking to our server: fetch, and the one rule that classifies a reply.
//
//   2xx            → "ok"               (per-record results are in the body)
//   401            → "needs_login"      (records stay queued; ask the user to log in)
//   other 4xx      → "needs_attention"  (this request is wrong; retrying will not help)
//   5xx, network   → "retry"            (try again later, with backoff)

import { lang } from './i18n.js';

const TIMEOUT_MS = 30000;

let csrfToken = null;

/** @returns {'ok'|'needs_login'|'needs_attention'|'retry'} */
export function classify(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) return 'needs_login';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'needs_attention';
  return 'retry';
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

/**
 * One API call. Never throws for HTTP or network trouble: returns
 * `{kind, status, body, message}` where `kind` is what classify() says.
 */
export async function apiFetch(path, { method = 'GET', json, body, headers = {}, retryCsrf = true } = {}) {
  const init = {
    method,
    credentials: 'same-origin',
    // The server's error messages come back in the language the user chose in the app.
    headers: { Accept: 'application/json', 'Accept-Language': lang() === 'en' ? 'en' : 'zh-CN,zh', ...headers },
  };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['Content-Type'] = 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  if (method !== 'GET' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  init.signal = abort.signal;
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    return { kind: 'retry', status: 0, body: null, message: String(error?.message || error) };
  } finally {
    clearTimeout(timer);
  }
  let reply = null;
  try {
    reply = response.status === 204 ? null : await response.json();
  } catch {
    // A body that is not JSON (a proxy's error page, a cut connection): judged by status.
    if (response.ok) return { kind: 'retry', status: response.status, body: null, message: 'not_json' };
  }
  // The CSRF token went stale (new session cookie): fetch a fresh one and try once more.
  if (response.status === 400 && reply?.error === 'csrf_failed' && retryCsrf) {
    const me = await probe();
    if (me.kind === 'ok') return apiFetch(path, { method, json, body, headers, retryCsrf: false });
    return me;
  }
  return {
    kind: classify(response.status),
    status: response.status,
    body: reply,
    message: reply?.message || response.statusText || String(response.status),
  };
}

/**
 * Is our server reachable, and are we logged in? A real request (never navigator.onLine).
 * On success the reply's CSRF token is kept for later calls.
 */
export async function probe() {
  const reply = await apiFetch('/api/v1/me', { retryCsrf: false });
  if (reply.kind === 'ok') setCsrfToken(reply.body?.csrf_token);
  return reply;
}

export async function logIn(username, password) {
  const reply = await apiFetch('/api/v1/session', { method: 'POST', json: { username, password, remember: true } });
  if (reply.kind === 'ok') setCsrfToken(reply.body?.csrf_token);
  return reply;
}

export async function logOut() {
  const reply = await apiFetch('/api/v1/session', { method: 'DELETE' });
  setCsrfToken(null);
  return reply;
}

export async function uploadPhoto(sha256, blob, contentType) {
  return apiFetch(`/api/v1/photos/${sha256}`, {
    method: 'PUT',
    body: blob,
    headers: { 'Content-Type': contentType || blob.type || 'image/jpeg' },
  });
}
