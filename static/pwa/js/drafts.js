// Drafts and the record they become: a draft is created when a form is chosen, saved at every change,
// and on submit turns into the record /api/sync takes (schemas in server/inspections/schemas.py).
import { isoLocal, newUuid } from "./dom.js";
import { referencedEvidence, validateAnswers } from "./validate.js";

/** A new draft on `form` for the logged-in officer (the draft screen takes the GPS fix). */
export async function createDraft(store, { form, me, replaces = null, from = null, task = null, recent = null }) {
  const draft = {
    uuid: newUuid(),
    form_id: form.id,
    form_version: form.version,
    form_title: form.title,
    officers: from?.officers || (task ? [me.username, ...(task.officers || []).filter((o) => o !== me.username)] : [me.username]),
    subject: from?.subject || (task ? { ...task.subject, code: task.subject.code || "", description: task.subject.description || "" }
      : { kind: form.subject_kind, name: "" }),
    task_id: task?.id || null, // a task (检查任务: a draw's or a follow-up): completed once the record syncs
    task_completion_url: task?.completion_url || null,
    target_id: task?.target_id || null, // the directory's target the task names (server/targets/)
    // 防止执法扰民: the target's inspections within the window when the inspection started (asked
    // of the server, or as cached with the task list offline); any, and a reason is required.
    revisit: recent ? { inspections: recent.inspections || [], window_days: recent.window_days || null } : null,
    revisit_reason: task?.suggested_revisit_reason || "",
    place: from?.place || { latitude: null, longitude: null, accuracy_m: null, address: "" },
    started_at: from?.started_at || isoLocal(),
    answers: from?.answers ? structuredClone(from.answers) : {},
    carried_evidence: from?.evidence || [], // evidence the server already holds (an amendment)
    replaces,
    amendment_reason: "",
    // What the supervisor asked when returning the record (an amendment), shown on the form.
    return_comment: from?.return_comment || null,
    return_item_comments: from?.return_item_comments || null,
    created_at: new Date().toISOString(),
  };
  await store.saveDraft(draft);
  return draft;
}

/** Problems with the inspection's common facts (officers, subject, place, amendment reason). */
export function commonErrors(draft) {
  const errors = {};
  if (new Set(draft.officers).size < 2) errors.officers = ["至少两名执法人员参加检查，请选择同行执法人员。"];
  if (!(draft.subject?.name || "").trim()) errors["subject.name"] = ["请填写检查对象。"];
  if (draft.place.latitude === null && !(draft.place.address || "").trim()) errors.place = ["请定位或填写检查地点。"];
  if (draft.replaces && !(draft.amendment_reason || "").trim()) errors.amendment_reason = ["更正记录须说明更正理由。"];
  if (draft.target_id && (draft.revisit?.inspections?.length || draft.revisit?.refused) && !(draft.revisit_reason || "").trim()) {
    errors.revisit_reason = ["该检查对象近期已被检查，再次检查须填写理由（防止执法扰民）。"];
  }
  return errors;
}

/**
 * The record to submit, or {errors}: answers settled and validated, the evidence the answers name
 * listed with the SHA-256 computed at capture (or as the server holds it, for an amendment).
 */
export async function buildRecord(store, draft, form, { deviceId, appVersion }) {
  const { answers, errors } = validateAnswers(form, draft.answers);
  Object.assign(errors, commonErrors(draft));
  const evidence = [];
  const carried = new Map((draft.carried_evidence || []).map((e) => [e.uuid, e]));
  for (const { uuid, item_id: itemId } of referencedEvidence(form, answers)) {
    const entry = (await store.getBlob(uuid)) || carried.get(uuid);
    if (!entry) {
      errors[itemId] = [...(errors[itemId] || []), "有证据文件在本机找不到，请删除后重新拍摄。"];
      continue;
    }
    evidence.push({ uuid, item_id: itemId, sha256: entry.sha256, size: entry.size, media_type: entry.media_type, captured_at: entry.captured_at });
  }
  if (Object.keys(errors).length) return { errors };
  const place = { ...draft.place, address: (draft.place.address || "").trim() || null };
  const subject = { kind: draft.subject.kind, name: draft.subject.name.trim(),
    code: (draft.subject.code || "").trim() || null, description: (draft.subject.description || "").trim() || null };
  const record = {
    uuid: draft.uuid, form_id: draft.form_id, form_version: draft.form_version,
    officers: draft.officers, subject, place,
    started_at: draft.started_at, finished_at: isoLocal(), answers, evidence,
    device_id: deviceId, app_version: appVersion,
  };
  if (draft.replaces) Object.assign(record, { replaces: draft.replaces, amendment_reason: draft.amendment_reason.trim() });
  if (draft.target_id) record.target_id = draft.target_id;
  if (draft.target_id && (draft.revisit_reason || "").trim()) record.revisit_reason = draft.revisit_reason.trim();
  return { record };
}

/** Submit: queue the record and drop captured files the record does not name. */
export async function submitDraft(store, draft, record) {
  const named = new Set(record.evidence.map((e) => e.uuid));
  for (const blob of await store.blobsOf(draft.uuid)) if (!named.has(blob.uuid)) await store.deleteBlob(blob.uuid);
  await store.queueRecord(record, { form_title: draft.form_title,
    ...(draft.task_id ? { task_id: draft.task_id, task_completion_url: draft.task_completion_url || null } : {}) });
  if (record.subject.name) await store.rememberSubject(record.subject);
}

/** A rejected record back into a draft for correction (its UUID unchanged: nothing was stored). */
export function draftFromRecord(entry) {
  const { record } = entry;
  return {
    uuid: record.uuid, form_id: record.form_id, form_version: record.form_version, form_title: entry.form_title,
    officers: record.officers, subject: { ...record.subject, code: record.subject.code || "", description: record.subject.description || "" },
    place: { ...record.place, address: record.place.address || "" }, started_at: record.started_at,
    answers: record.answers, carried_evidence: record.replaces ? record.evidence : [], replaces: record.replaces || null,
    amendment_reason: record.amendment_reason || "", server_errors: entry.server?.errors || {},
    task_id: entry.task_id || null, task_completion_url: entry.task_completion_url || null, target_id: record.target_id || null,
    // A server that refused for a missing reason names the earlier inspections in its errors.
    revisit: entry.server?.errors?.revisit_reason ? { inspections: [], refused: true } : null,
    revisit_reason: record.revisit_reason || "",
    created_at: entry.queued_at, updated_at: new Date().toISOString(),
  };
}
