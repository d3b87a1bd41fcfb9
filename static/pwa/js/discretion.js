// The penalty calculator on the phone, offline: the same steps, numbers and Chinese reasoning as
// server/discretion/calculator.py (calculate_penalty, simple_procedure_allowed), evaluated with
// logic.js on the benchmarks of GET /api/discretion (cached in the `meta` store by reference.js).
// tests/browser/test_discretion_cases.py replays tests/data/discretion_cases.json here and compares
// every answer, reasoning included, with the server's. A change on either side changes both.
import { apply, truthy } from "./logic.js";

const TYPE_TEXT = { none: "不予罚款（责令改正）", warning: "警告", fine: "罚款" };
// 《行政处罚法》第五十一条 (see calculator.py for the source and its legal-review note).
export const SIMPLE_PROCEDURE_FINE_LIMIT = { citizen: 200, organisation: 3000 };
const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** A refusal with the server's problem code (discretion.*) and its Chinese message. */
export class CalculationError extends Error {
  constructor(code, detail, errors = {}) {
    super(detail);
    Object.assign(this, { code, detail, errors });
  }
}

const isNumber = (v) => typeof v === "number";

/** A number as the reasoning writes it: no decimals when whole, else at most two. */
export function numberText(value) {
  if (typeof value !== "number") return value === null || value === undefined ? "None" : String(value);
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
}

function yuan(value, what) {
  if (!isNumber(value) || !Number.isFinite(value)) {
    throw new CalculationError("discretion.benchmark_defect", `裁量基准计算${what}时得到无效数值，请联系法制审核人员核对基准。`);
  }
  return Math.floor(value + 0.5);
}

function checkFact(fact, value) {
  if (fact.type === "boolean") return typeof value === "boolean" ? null : "应为是或否（true/false）。";
  if (fact.type === "select") {
    const values = fact.options.map((o) => o.value);
    return values.includes(value) ? null : `应为以下之一：${values.join("、")}。`;
  }
  if (!isNumber(value) || !Number.isFinite(value)) return "应为数字。";
  if (fact.type === "integer" && !Number.isInteger(value)) return "应为整数。";
  if ("min" in fact && value < fact.min) return `应不小于 ${numberText(fact.min)}。`;
  if ("max" in fact && value > fact.max) return `应不大于 ${numberText(fact.max)}。`;
  return null;
}

/** The declared facts from `raw`, defaults applied; a missing or wrong one names the fact. */
export function validatedFacts(declared, raw) {
  const facts = {};
  const errors = {};
  for (const fact of declared) {
    let value = raw[fact.id];
    if (value === null || value === undefined || value === "") {
      if (!("default" in fact)) {
        errors[fact.id] = [`此项必填：${fact.label}。`];
        continue;
      }
      value = fact.default;
    }
    const problem = checkFact(fact, value);
    if (problem) errors[fact.id] = [`${fact.label}：${problem}`];
    facts[fact.id] = value;
  }
  if (Object.keys(errors).length) throw new CalculationError("discretion.invalid_facts", "请检查违法事实的填写。", errors);
  return facts;
}

function factText(fact, value) {
  let shown;
  if (fact.type === "boolean") shown = value ? "是" : "否";
  else if (fact.type === "select") shown = fact.options.find((o) => o.value === value).label;
  else shown = numberText(value) + (fact.unit ? ` ${fact.unit}` : "");
  return `${fact.label}：${shown}`;
}

const cite = (c) => `${c.law}${c.article}`;

function levelPenalty(level, facts) {
  const p = level.penalty;
  const data = { ...facts };
  for (const step of p.let || []) data[step.name] = apply(step.value, data);
  const penalty = { types: [...p.types], amount: null, min: null, max: null };
  if (p.types.includes("fine")) {
    const amount = yuan(apply(p.amount, data), "罚款数额");
    Object.assign(penalty, { amount,
      min: "min" in p ? yuan(apply(p.min, data), "幅度下限") : amount,
      max: "max" in p ? yuan(apply(p.max, data), "幅度上限") : amount });
    Object.assign(data, { amount: penalty.amount, min: penalty.min, max: penalty.max });
  }
  const arithmetic = "arithmetic" in p ? p.arithmetic.replace(PLACEHOLDER, (_, name) => numberText(data[name])) : null;
  return [penalty, arithmetic];
}

/** The current benchmark (a GET /api/discretion entry) holding violation `code`, and its entry. */
export function findViolation(benchmarks, code, kind = "benchmark") {
  for (const b of benchmarks) {
    if (b.kind !== kind) continue;
    const list = kind === "benchmark" ? b.document.violations : b.document.entries;
    const v = (list || []).find((x) => x.code === code);
    if (v) return [b, v];
  }
  return null;
}

/** Every violation this bureau decides, for the officer's picker: [{code, title, benchmark}]. */
export function listViolations(benchmarks) {
  return benchmarks.filter((b) => b.kind === "benchmark").flatMap((b) => b.document.violations
    .filter((v) => (v.authority || "transport") === "transport")
    .map((v) => ({ code: v.code, title: v.title, benchmark: b.id })));
}

/** The facts a violation asks for (the file's common facts first). */
export function declaredFacts(benchmarks, code) {
  const found = findViolation(benchmarks, code);
  return found ? [...(found[0].document.facts || []), ...(found[1].facts || [])] : [];
}

/** Level, benchmark penalty and reasoning for violation `code` on `rawFacts` (calculate_penalty). */
export function calculatePenalty(benchmarks, code, rawFacts, partyKind = null) {
  const found = findViolation(benchmarks, code);
  if (!found) throw new CalculationError("discretion.unknown_violation", "裁量基准中没有这项违法行为。");
  const [benchmark, v] = found;
  if ((v.authority || "transport") === "police") {
    throw new CalculationError("discretion.not_competent", "该违法行为不属于本机关管辖，应移送公安机关。");
  }
  const own = v.facts || [];
  const declared = [...(benchmark.document.facts || []), ...own];
  const facts = validatedFacts(declared, rawFacts);
  const steps = [`违法行为：${v.title}（${code}）。`,
    `违反${cite(v.breached)}；处罚依据：${v.penalty_basis.map(cite).join("、")}。`];
  let statutory = v.penalty_types.map((t) => TYPE_TEXT[t]).join("、");
  if (v.statutory_range) statutory += `，罚款幅度 ${v.statutory_range.min} 元至 ${v.statutory_range.max} 元`;
  steps.push(`法定处罚：${statutory}。`);
  const ownIds = new Set(own.map((f) => f.id));
  steps.push("认定的事实：" + declared.filter((f) => ownIds.has(f.id) || facts[f.id] !== f.default)
    .map((f) => factText(f, facts[f.id])).join("；") + "。");
  const matched = (v.levels || []).filter((lv) => truthy(apply(lv.when, facts)));
  if (matched.length !== 1) {
    throw matched.length ? new CalculationError("discretion.benchmark_defect", "裁量基准有误：多个情节档次同时适用，请联系法制审核人员。")
      : new CalculationError("discretion.no_level", "按填写的事实，没有适用的情节档次，请核对事实。");
  }
  const level = matched[0];
  steps.push(`情节：符合“${level.level}”情形的条件：${level.condition}。`);
  const [penalty, arithmetic] = levelPenalty(level, facts);
  if (arithmetic) steps.push(`计算：${arithmetic}`);
  const kinds = penalty.types.map((t) => TYPE_TEXT[t]).join("、");
  steps.push(penalty.types.includes("fine")
    ? `基准处罚：${kinds}，基准罚款 ${penalty.amount} 元（${rangeText(penalty)}）。` : `基准处罚：${kinds}。`);
  const factors = (benchmark.document.factors || []).filter((f) => truthy(apply(f.when, facts)));
  penalty.benchmark_amount = penalty.amount;
  steps.push(...applyFactors(factors, penalty));
  const result = { violation: { code, title: v.title },
    benchmark: { id: benchmark.id, version: benchmark.version, hash: benchmark.hash },
    level: level.level, penalty, statutory_range: v.statutory_range || null,
    factors: factors.map((f) => ({ id: f.id, kind: f.kind, label: f.label })),
    no_penalty: noPenalty(benchmarks, code, facts, steps) };
  if (partyKind !== null) {
    result.simple_procedure = simpleProcedureAllowed(penalty.types, penalty.amount, partyKind);
    steps.push(result.simple_procedure.reason);
  }
  result.reasoning = steps.map((s, i) => `${i + 1}. ${s}`);
  return result;
}

function rangeText(penalty) {
  if (penalty.min === penalty.max) return "本档罚款数额固定，情节不改变数额";
  return `本档幅度 ${penalty.min} 元至 ${penalty.max} 元`;
}

function applyFactors(factors, penalty) {
  const steps = factors.map((f) => `${f.kind}情节：${f.label}（${cite(f.basis)}）。`);
  const kinds = new Set(factors.map((f) => f.kind));
  if (penalty.types.includes("fine")) {
    if (kinds.has("从重") && !kinds.has("从轻")) {
      penalty.amount = penalty.max;
      steps.push(`有从重情节，取本档上限：罚款 ${penalty.amount} 元。`);
    } else if (kinds.has("从轻") && !kinds.has("从重")) {
      penalty.amount = penalty.min;
      steps.push(`有从轻情节，取本档下限：罚款 ${penalty.amount} 元。`);
    } else if (kinds.has("从轻") && kinds.has("从重")) {
      steps.push(`从轻与从重情节并存，按基准罚款 ${penalty.amount} 元。`);
    }
  }
  if (kinds.has("减轻")) steps.push("有减轻情节：可以在法定最低限度以下处罚，须写明理由并经法制审核。");
  return steps;
}

function noPenalty(benchmarks, code, facts, steps) {
  const found = findViolation(benchmarks, code, "no_penalty_list");
  if (!found) return null;
  const [listing, entry] = found;
  if (!truthy(apply(entry.when, { ...facts }))) return null;
  const mandatory = entry.ground === "minor";
  const basis = listing.document.basis.map(cite).join("、");
  steps.push(`该违法行为列入《${listing.title}》，且${entry.condition}：依${basis}，` +
    `${mandatory ? "应当" : "可以"}不予行政处罚，${entry.measure}。`);
  return { ground: entry.ground, mandatory, condition: entry.condition, measure: entry.measure,
    list: { id: listing.id, version: listing.version } };
}

/** Whether a penalty may be decided on the spot (《行政处罚法》第五十一条), as the server says. */
export function simpleProcedureAllowed(types, amount, partyKind) {
  const limit = SIMPLE_PROCEDURE_FINE_LIMIT[partyKind];
  if (limit === undefined) throw new Error("partyKind is citizen or organisation");
  const who = partyKind === "citizen" ? "公民" : "法人或者其他组织";
  if (!types.length || types.some((t) => t !== "warning" && t !== "fine")) {
    return { allowed: false, limit, reason: "不适用简易程序：简易程序只作出警告或者罚款决定（《行政处罚法》第五十一条）。" };
  }
  if (types.includes("fine") && (amount === null || amount === undefined || amount > limit)) {
    return { allowed: false, limit, reason: `不适用简易程序：对${who}当场罚款不得超过 ${limit} 元，本案罚款 ` +
      `${numberText(amount)} 元，应适用普通程序（《行政处罚法》第五十一条）。` };
  }
  const what = types.includes("fine") ? `罚款 ${numberText(amount)} 元` : "警告";
  return { allowed: true, limit, reason: `可以适用简易程序当场作出决定：对${who}${what}，未超过警告或 ${limit} 元罚款的限度` +
    "（《行政处罚法》第五十一条；违法事实确凿并有法定依据）。" };
}
