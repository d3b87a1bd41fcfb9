// Reference data kept on the phone for a day offline: who I am, my colleagues (co-officers),
// every current form version, the evidence flags' tolerances and the discretion benchmarks (the
// calculator of js/discretion.js runs on them offline). Refreshed whenever the app is online and logged in.
import { ApiError } from "./api.js";

/** Refresh the form list (ETag revalidation) and download any form version not held yet. */
export async function refreshForms({ api, store }) {
  const held = await store.getMeta("forms");
  let list = held?.list || [];
  try {
    const answer = await api.getRevalidated("/api/forms", held?.etag);
    if (answer.status === 200) {
      list = answer.body;
      await store.setMeta("forms", { list, etag: answer.etag, fetched_at: new Date().toISOString() });
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return list; // a server without forms yet
    throw error;
  }
  for (const summary of list) {
    if (await store.getForm(summary.id, summary.version)) continue;
    const form = await api.get(`/api/forms/${encodeURIComponent(summary.id)}/${summary.version}`);
    await store.putForm(form);
  }
  return list;
}

/** Forms an officer may start an inspection with (the current version of each), from the phone. */
export async function currentForms(store) {
  const held = await store.getMeta("forms");
  return (held?.list || []).filter((f) => f.current !== false);
}

/** Everything an offline day needs; failures are reported, not fatal (the cached copies remain). */
export async function refreshReference({ api, store }) {
  const me = await api.me();
  await store.setMeta("me", stripToken(me));
  const results = await Promise.allSettled([
    api.get("/api/officers").then((officers) => store.replaceOfficers(officers)),
    refreshForms({ api, store }),
    // The tolerances of the server's evidence flags: the phone warns about a photo with the same.
    api.get("/api/evidence/flag-rules").then((rules) => store.setMeta("evidence_rules", rules)),
    api.get("/api/discretion").then((benchmarks) => store.setMeta("discretion", { benchmarks,
      fetched_at: new Date().toISOString() })),
  ]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  return me;
}

/** The CSRF token is kept in memory only (it is renewed from /api/me after a reload). */
export function stripToken(user) {
  const { csrf_token: _token, ...rest } = user;
  return rest;
}
