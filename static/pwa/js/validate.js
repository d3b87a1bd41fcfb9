// Checking answers before submitting, with the server's rules and zh-CN messages
// (server/forms/validation.py and answer_types.py), so the officer fixes problems on the spot.
import { apply, evaluateForm, isEmpty, isRequired, logicData, refusedBy, settledAnswers, truthy } from "./logic.js";

const DEFAULT_MAX_TEXT = 4000;
const DEFAULT_MAX_EVIDENCE = 30;
const CHECK_LABELS = { pass: "符合", fail: "不符合", na: "不适用" };
const EVIDENCE_TYPES = new Set(["photo", "audio", "video"]);

const fmt = (n) => String(n);

function rangeErrors(item, value) {
  const unit = item.unit || "";
  if (item.min !== undefined && item.min !== null && value < item.min) return [`应不小于 ${fmt(item.min)}${unit}。`];
  if (item.max !== undefined && item.max !== null && value > item.max) return [`应不大于 ${fmt(item.max)}${unit}。`];
  return [];
}

function evidenceErrors(item, list) {
  const low = item.min_count ?? 1;
  const high = item.max_count ?? DEFAULT_MAX_EVIDENCE;
  if (list.length < low) return [`至少需要 ${low} 个文件。`];
  if (list.length > high) return [`最多 ${high} 个文件。`];
  return [];
}

/** zh-CN problems of one present answer. */
export function valueErrors(item, value) {
  switch (item.type) {
    case "check": {
      const offered = Object.keys(CHECK_LABELS).filter((r) => r !== "na" || item.allow_na !== false);
      if (!offered.includes(value?.result)) return [`检查结果应为${offered.map((r) => CHECK_LABELS[r]).join("、")}之一。`];
      const photos = value.photos || [];
      if (value.result === "fail" && (!photos.length || !(value.note || "").trim())) {
        return ["判定为“不符合”时，须拍摄至少一张照片并填写情况说明。"];
      }
      return [];
    }
    case "text": {
      const limit = item.max_length ?? DEFAULT_MAX_TEXT;
      return value.length > limit ? [`内容过长（最多 ${limit} 字）。`] : [];
    }
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return ["应为整数。"];
      return rangeErrors(item, value);
    case "decimal":
      if (typeof value !== "number" || !Number.isFinite(value)) return ["应为数字。"];
      return rangeErrors(item, value);
    case "select":
      return item.options.some((o) => o.value === value) ? [] : [`“${value}”不是此项的选项。`];
    case "multiselect":
      return value.filter((v) => !item.options.some((o) => o.value === v)).map((v) => `“${v}”不是此项的选项。`);
    case "date":
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? [] : ["应为日期（YYYY-MM-DD）。"];
    case "datetime":
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)
        ? [] : ["应为带时区的日期时间。"];
    case "location":
      return ["lat", "lon", "accuracy"].every((k) => Number.isFinite(value?.[k])) ? [] : ["应为位置（纬度、经度、精度）。"];
    case "signature":
      return typeof value === "string" ? [] : ["请签名。"];
    default:
      return EVIDENCE_TYPES.has(item.type) ? evidenceErrors(item, value) : [];
  }
}

function checkItem(errors, item, value, data, path, visible) {
  if (item.type === "computed" || item.type === "note" || !visible) return;
  if (isEmpty(value)) {
    if (isRequired(item, data)) errors[path] = [item.type === "signature" ? "请签名。" : "此项必填。"];
    return;
  }
  if (item.type === "repeat") {
    const rows = value;
    const problems = [];
    if (rows.length < (item.min_rows ?? 0)) problems.push(`至少需要填写 ${item.min_rows} 行。`);
    if (rows.length > (item.max_rows ?? 100)) problems.push(`最多填写 ${item.max_rows ?? 100} 行。`);
    if (problems.length) errors[path] = problems;
    rows.forEach((row, index) => {
      const rowData = { ...data, ...logicData(item.items, row) };
      for (const column of item.items) {
        const columnVisible = !("show_if" in column) || truthy(apply(column.show_if, rowData));
        checkItem(errors, column, row[column.id], rowData, `${path}[${index}].${column.id}`, columnVisible);
      }
    });
    return;
  }
  const problems = valueErrors(item, value);
  if (item.type === "check" && value && Object.hasOwn(CHECK_LABELS, value.result)) {
    problems.push(...refusedBy(item, value.result, data)); // the facts settle this check otherwise
  }
  if (problems.length) errors[path] = problems;
}

/**
 * The answers as they would be submitted, and their problems: {answers, errors: {path: [zh-CN]}}.
 * Paths are the server's ("axles[1].axle_mass"), so its answer to a rejected record maps the same way.
 */
export function validateAnswers(form, rawAnswers) {
  const answers = settledAnswers(form, rawAnswers);
  const { data, hiddenSections, hidden } = evaluateForm(form, answers);
  const errors = {};
  for (const section of form.sections) {
    for (const item of section.items) {
      const visible = !hiddenSections.has(section.id) && !hidden.has(item.id);
      checkItem(errors, item, answers[item.id], data, item.id, visible);
    }
  }
  return { answers, errors };
}

/**
 * Evidence UUIDs the answers name, each with the answer path that names it (the server's
 * `item_id` of an evidence entry): "scene_photos", "within_limit.photos", "axles[1].axle_photo".
 */
export function referencedEvidence(form, answers) {
  const found = [];
  const visit = (item, value, path) => {
    if (isEmpty(value)) return;
    if (item.type === "check") (value.photos || []).forEach((uuid) => found.push({ uuid, item_id: `${path}.photos` }));
    else if (EVIDENCE_TYPES.has(item.type)) value.forEach((uuid) => found.push({ uuid, item_id: path }));
    else if (item.type === "signature") found.push({ uuid: value, item_id: path });
    else if (item.type === "repeat") value.forEach((row, i) => item.items.forEach((c) => visit(c, row[c.id], `${path}[${i}].${c.id}`)));
  };
  for (const section of form.sections) for (const item of section.items) visit(item, answers[item.id], item.id);
  return found;
}
