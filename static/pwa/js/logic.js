// A form's JSON Logic in the browser, by the rules the server applies (server/forms/validation.py):
// the data an expression sees (answered items only, a check as its result, repeat rows projected),
// computed values in dependency order (null until every input is answered), and visibility.
// json-logic-js (vendor/json-logic.js, a classic script) is the evaluator on both sides' terms.

const ITERATING = new Set(["map", "filter", "reduce", "all", "some", "none"]);

function jsonLogic() {
  return globalThis.jsonLogic;
}

export function apply(logic, data) {
  return jsonLogic().apply(logic, data);
}

export function truthy(value) {
  return jsonLogic().truthy(value);
}

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

export function isEmpty(value) {
  return value === null || value === undefined || value === "" ||
    (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);
}

/** Every item of the form's sections (top level; a repeat's columns stay inside it). */
export function topItems(form) {
  return form.sections.flatMap((section) => section.items);
}

function project(item, value) {
  if (item.type === "check") return isPlainObject(value) ? value.result : value;
  if (item.type === "repeat" && Array.isArray(value)) {
    return value.map((row) => (isPlainObject(row) ? logicData(item.items, row) : row));
  }
  return value;
}

/** The data JSON Logic runs on: answered items only (no null, "" or []), checks as their result. */
export function logicData(items, answers) {
  const data = {};
  for (const item of items) {
    const value = answers[item.id];
    if (item.type === "note" || isEmpty(value)) continue;
    const projected = project(item, value);
    if (!isEmpty(projected)) data[item.id] = projected;
  }
  return data;
}

/** The item names an expression reads at its own level (not inside map/filter/reduce bodies). */
export function expressionNames(logic, names = new Set()) {
  if (Array.isArray(logic)) {
    logic.forEach((part) => expressionNames(part, names));
    return names;
  }
  if (!isPlainObject(logic)) return names;
  const [op, raw] = Object.entries(logic)[0] || [];
  const args = Array.isArray(raw) ? raw : [raw];
  if (op === "var") {
    if (typeof args[0] === "string" && args[0]) names.add(args[0].split(".")[0]);
    expressionNames(args.slice(1), names);
  } else if (op === "missing" || op === "missing_some") {
    let listed = op === "missing_some" ? args[1] : args;
    if (op === "missing" && listed.length === 1 && Array.isArray(listed[0])) listed = listed[0];
    for (const name of Array.isArray(listed) ? listed : []) if (typeof name === "string") names.add(name);
  } else if (ITERATING.has(op)) {
    expressionNames(args.slice(0, 1), names);
  } else {
    expressionNames(args, names);
  }
  return names;
}

/** Computed items in evaluation order, each with its inputs: [[item, [names]], ...]. */
export function computedOrder(form) {
  const computed = new Map();
  for (const item of topItems(form)) {
    if (item.type === "computed") computed.set(item.id, { item, inputs: [...expressionNames(item.compute)] });
  }
  const order = [];
  const done = new Set();
  const visit = (id, seen) => {
    if (done.has(id) || seen.has(id)) return; // a cycle is refused when the server loads the form
    seen.add(id);
    for (const name of computed.get(id).inputs) if (computed.has(name)) visit(name, seen);
    done.add(id);
    order.push([computed.get(id).item, computed.get(id).inputs]);
  };
  for (const id of computed.keys()) visit(id, new Set());
  return order;
}

function normaliseComputed(value) {
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (value === undefined || Array.isArray(value) || isPlainObject(value)) return null;
  return value;
}

/**
 * Evaluate the form on `answers`: {data, computed: {id: value|null}, hidden: Set of item paths}.
 * Paths: "item" at top level, "repeat[2].column" in rows (the server's error paths).
 */
export function evaluateForm(form, answers) {
  const data = logicData(topItems(form), answers);
  const computed = {};
  for (const [item, inputs] of computedOrder(form)) {
    let value = null;
    if (inputs.every((name) => name in data)) value = normaliseComputed(apply(item.compute, data));
    computed[item.id] = value;
    if (value !== null) data[item.id] = value;
  }
  const hidden = new Set();
  const hiddenSections = new Set();
  for (const section of form.sections) {
    const sectionVisible = !("show_if" in section) || truthy(apply(section.show_if, data));
    if (!sectionVisible) hiddenSections.add(section.id);
    for (const item of section.items) {
      const visible = sectionVisible && (!("show_if" in item) || truthy(apply(item.show_if, data)));
      if (!visible) {
        hidden.add(item.id);
        continue;
      }
      if (item.type === "repeat" && Array.isArray(answers[item.id])) {
        answers[item.id].forEach((row, index) => {
          const rowData = { ...data, ...logicData(item.items, isPlainObject(row) ? row : {}) };
          for (const column of item.items) {
            if ("show_if" in column && !truthy(apply(column.show_if, rowData))) hidden.add(`${item.id}[${index}].${column.id}`);
          }
        });
      }
    }
  }
  return { data, computed, hidden, hiddenSections };
}

/** Is `item` (at `path`) required given the data its expressions see? */
export function isRequired(item, data) {
  return Boolean(item.required) || ("required_if" in item && truthy(apply(item.required_if, data)));
}

/**
 * The answers as they will be submitted: answers of hidden items dropped (the server refuses them),
 * repeated until nothing changes because a dropped answer can hide another item; computed values
 * and empty values left out (the server computes its own). The officer's draft keeps everything.
 */
export function settledAnswers(form, answers) {
  let current = stripEmpty(form, answers);
  for (let round = 0; round < 20; round += 1) {
    const { hidden } = evaluateForm(form, current);
    const next = {};
    let changed = false;
    for (const [key, value] of Object.entries(current)) {
      if (hidden.has(key)) {
        changed = true;
        continue;
      }
      if (Array.isArray(value) && topItems(form).find((i) => i.id === key)?.type === "repeat") {
        next[key] = value.map((row, index) => {
          const kept = {};
          for (const [column, cell] of Object.entries(row)) {
            if (hidden.has(`${key}[${index}].${column}`)) changed = true;
            else kept[column] = cell;
          }
          return kept;
        });
      } else {
        next[key] = value;
      }
    }
    current = next;
    if (!changed) break;
  }
  return current;
}

function stripEmpty(form, answers) {
  const kinds = new Map(topItems(form).map((item) => [item.id, item]));
  const result = {};
  for (const [key, value] of Object.entries(answers || {})) {
    const item = kinds.get(key);
    if (!item || item.type === "computed" || item.type === "note" || isEmpty(value)) continue;
    if (item.type === "repeat") {
      result[key] = value.map((row) => Object.fromEntries(Object.entries(row).filter(([, cell]) => !isEmpty(cell))));
    } else {
      result[key] = value;
    }
  }
  return result;
}

const CHECK_RESULTS = ["pass", "fail", "na"];

/** The reasons of a check's result rules that apply to `data` and refuse `result` (the server's). */
export function refusedBy(item, result, data) {
  return (item.result_rules || [])
    .filter((rule) => !rule.results.includes(result) && truthy(apply(rule.when, data)))
    .map((rule) => rule.reason);
}

/**
 * What a check's result rules say on `data`: the offered results they allow, and the reasons of the
 * rules that apply. One allowed result means the facts decide the check.
 */
export function ruleOutcome(item, data) {
  const offered = CHECK_RESULTS.filter((r) => r !== "na" || item.allow_na !== false);
  const applying = (item.result_rules || []).filter((rule) => truthy(apply(rule.when, data)));
  return {
    allowed: offered.filter((r) => applying.every((rule) => rule.results.includes(r))),
    reasons: applying.map((rule) => rule.reason),
  };
}

/**
 * The results the rules decide for shown top-level check items, where the answers differ: a Map of
 * item id -> result, found by applying them until nothing changes (a decided check may settle another).
 */
export function decidedResults(form, answers) {
  const current = { ...answers };
  const decided = new Map();
  if (!topItems(form).some((item) => item.result_rules)) return decided;
  for (let round = 0; round < 10; round += 1) {
    const { data, hidden } = evaluateForm(form, settledAnswers(form, current));
    let changed = false;
    for (const item of topItems(form)) {
      if (item.type !== "check" || !item.result_rules || hidden.has(item.id)) continue;
      const { allowed } = ruleOutcome(item, data);
      if (allowed.length === 1 && current[item.id]?.result !== allowed[0]) {
        current[item.id] = { ...(current[item.id] || {}), result: allowed[0] };
        decided.set(item.id, allowed[0]);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return decided;
}
