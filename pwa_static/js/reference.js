// Reference data the form needs underground: the sites in the user's scope and their
// checklist templates, cached in IndexedDB after login and on every start while online.

import { apiFetch } from './api.js';
import * as db from './db.js';
import { indexItems } from './item-labels.js';

/**
 * Fetch the sites in scope and any template not cached yet. Templates are frozen once
 * used, so a cached id never goes stale. Returns the API reply kind ("ok", "retry", ...).
 */
export async function refreshReference() {
  const sites = await apiFetch('/api/v1/sites');
  if (sites.kind !== 'ok') return sites.kind;
  const list = Array.isArray(sites.body) ? sites.body : sites.body?.sites || [];
  const cached = new Set(await db.templateIds());
  const wanted = [...new Set(list.map((s) => s.template_id).filter((id) => id != null))];
  for (const id of wanted) {
    if (cached.has(id)) continue;
    const template = await apiFetch(`/api/v1/templates/${id}`);
    if (template.kind !== 'ok') return template.kind;
    await db.putTemplate(template.body);
  }
  await db.replaceSites(list);
  await db.setMeta('reference_at', new Date().toISOString());
  return 'ok';
}

export async function sites() {
  const list = await db.allSites();
  return list.sort((a, b) => String(a.code).localeCompare(String(b.code)));
}

/** The site and its template as the form needs them, or null when not cached. */
export async function siteForm(code) {
  const site = await db.getSite(code);
  if (!site) return null;
  const template = await db.getTemplate(site.template_id);
  if (!template) return null;
  return { site, template };
}

/** item_id → checklist item over the cached templates, to show items by their labels. */
export async function itemIndex() {
  return indexItems(await db.allTemplates());
}
