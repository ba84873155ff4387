// What this phone has submitted, as data: "My checks" (the last 30 days of inspections and
// where each stands) and what is done today (sites checked today, by the server's word or by
// this phone's own records). No DOM and no IndexedDB here: callers pass the outbox records
// (outbox.listRecords) and the cached sites.

import { t } from './i18n.js';
import { localDate, shortTime } from './time.js';

/** How long a synced inspection stays readable on the phone (its photos do not). */
export const HISTORY_DAYS = 30;

/** When a record was submitted (or last changed, for records older than that field). */
export function submittedAt(record) {
  return record.submitted_at || record.updated_at || '';
}

/** When the check itself started: the moment its day is counted from. */
export function startedAt(record) {
  return record.payload?.started_at || record.started_at || submittedAt(record);
}

/** The phone's local day (YYYY-MM-DD) a check counts for: the day it was started. */
export function checkDay(record) {
  return localDate(new Date(startedAt(record)));
}

/** Inspections submitted from this phone in the last `days` days (drafts are not
 * submissions), the most recently started first. */
export function submittedChecks(records, now = new Date(), days = HISTORY_DAYS) {
  const cutoff = new Date(now.getTime() - days * 86400e3).toISOString();
  return records
    .filter((r) => r.type === 'inspection' && r.state !== 'draft' && submittedAt(r) >= cutoff)
    .sort((a, b) => new Date(startedAt(b)) - new Date(startedAt(a)));
}

/**
 * Where a submitted check stands, as the inspector needs to know it:
 *   waiting  — on this phone only, not yet on the server (queued or being sent);
 *   photos   — the server has the record but not yet all its photos;
 *   synced   — on the server with every photo;
 *   refused  — the server refused it (the reason is in record.last_error);
 *   conflict — the server already had this check with other content.
 */
export function checkState(record) {
  switch (record.state) {
    case 'synced':
      return 'synced';
    case 'rejected':
      return 'refused';
    case 'conflict':
      return 'conflict';
    default:
      return record.server_status && (record.missing_photos || []).length ? 'photos' : 'waiting';
  }
}

/** Checks grouped by the day they count for, newest day first: [{day, checks}]. */
export function byDay(checks) {
  const groups = new Map();
  for (const check of checks) {
    const day = checkDay(check);
    if (!groups.has(day)) groups.set(day, []);
    groups.get(day).push(check);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([day, list]) => ({ day, checks: list }));
}

/** How many items of a submitted check failed, out of how many. */
export function failures(record) {
  const results = record.payload?.results || [];
  return { failed: results.filter((r) => r.outcome === 'fail').length, total: results.length };
}

/**
 * Has `site` been checked on `today` (YYYY-MM-DD)? This phone's own submissions count at
 * once (a refused one does not: it is not on the server); otherwise the server's word from
 * the cached site list, if that list is of today. Returns the latest such check as
 * `{at, by, source: 'phone' | 'server', record}` or null.
 */
export function checkedToday(site, records, today) {
  const mine = records
    .filter(
      (r) =>
        r.type === 'inspection' &&
        r.site_code === site.code &&
        !['draft', 'rejected'].includes(r.state) &&
        checkDay(r) === today,
    )
    .sort((a, b) => new Date(startedAt(b)) - new Date(startedAt(a)))[0];
  const server = site.items_day === today ? site.checked_today : null;
  const phone = mine ? { at: startedAt(mine), by: mine.username || '', source: 'phone', record: mine } : null;
  if (phone && server) return new Date(server.at) > new Date(phone.at) ? { ...server, source: 'server' } : phone;
  return phone || (server ? { ...server, source: 'server' } : null);
}

/** The sites as the home screen lists them: those still to check today first, then those
 * checked today; by code within each. [{site, checked}] */
export function sitesForToday(sites, records, today) {
  return sites
    .map((site) => ({ site, checked: checkedToday(site, records, today) }))
    .sort(
      (a, b) =>
        Number(Boolean(a.checked)) - Number(Boolean(b.checked)) ||
        String(a.site.code).localeCompare(String(b.site.code)),
    );
}

/** "今天已检查 09:12 · 王检查" (the server's word) or "… · 本机提交" (this phone's). */
export function describeCheckedToday(checked) {
  const time = shortTime(checked.at).slice(6);
  return checked.source === 'phone'
    ? t('checked_today_phone', { time })
    : t('checked_today_server', { time, by: checked.by });
}
