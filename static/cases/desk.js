// The cases desk (/cases/): supervisors see findings without a disposition (with their age),
// cases near or past a deadline, and each case with its deadlines, steps, documents and the
// steps they may take now. Reuses the officers' app's API client and DOM helpers.
import { createApi } from "/js/api.js";
import { h, replaceChildren, takeTurn, toast } from "/js/dom.js";

const KINDS = { correction: "责令改正", simple: "简易程序", case: "立案", no_penalty: "不予处罚" };
const STATES = { done: "已完成", open: "未到期", near: "临近期限", overdue: "已逾期", unknown: "无法计算" };
const CHECKLIST = ["legal_basis_cited", "facts_clear", "evidence_sufficient", "procedure_followed", "discretion_appropriate"];
const yuan = (fen) => (fen === null || fen === undefined ? "—" : `${(fen / 100).toFixed(2)} 元`);
// Each step: its label and its fields [name, label, kind]; money is typed in yuan, sent in fen.
const STEPS = {
  approve_opening: ["批准立案", [["on", "立案日期", "date"]]],
  reject_opening: ["不予立案", [["on", "日期", "date"], ["reason", "理由", "text"]]],
  add_interview: ["询问笔录", [["on", "日期", "date"], ["interviewee", "被询问人", "text"], ["relation", "与案件关系", "line"], ["place", "询问地点", "line"], ["summary", "问答记录（一问一答一行）", "text"]]],
  extend: ["延长办案期限", [["days", "延长天数", "int"], ["reason", "理由", "text"]]],
  notify: ["处罚前告知", [["on", "告知日期", "date"], ["proposed_fine_fen", "拟处罚款（元）", "money"], ["facts", "违法事实", "text"], ["reason_outside_benchmark", "超出裁量基准的理由", "text"], ["major_decision", "重大执法决定", "bool"]]],
  record_statement: ["陈述申辩", [["on", "日期", "date"], ["statement", "陈述申辩内容", "text"]]],
  request_hearing: ["申请听证", [["on", "申请日期", "date"]]],
  record_hearing: ["听证笔录", [["on", "日期", "date"], ["summary", "听证情况", "text"]]],
  send_to_legal_review: ["送法制审核", [["on", "日期", "date"], ["reason", "理由", "text"]]],
  legal_opinion: ["法制审核意见", [["on", "日期", "date"], ["opinion", "意见", "opinion"], ["comment", "说明", "text"]]],
  decide: ["作出处罚决定", [["on", "决定日期", "date"], ["fine_fen", "罚款（元）", "money"], ["party_present", "当事人在场", "bool"], ["reasoning", "理由", "text"], ["statement_assessment", "陈述申辩采纳情况及理由", "text"]]],
  serve: ["送达", [["on", "送达日期", "date"], ["method", "送达方式", "method"], ["recipient", "受送达人", "text"], ["place", "送达地点", "line"], ["receipt", "送达情况", "text"]]],
  record_payment: ["登记缴款", [["amount_fen", "金额（元）", "money"], ["reference", "银行流水号", "text"], ["paid_on", "缴款日期", "date"]]],
  close: ["结案", [["on", "结案日期", "date"], ["summary", "结案说明", "text"]]],
};
const SELECTS = {
  opinion: { agree: "同意", disagree: "不同意", more_evidence: "补充材料" },
  method: { direct: "直接送达", left: "留置送达", mail: "邮寄送达", electronic: "电子送达", announcement: "公告送达" },
};

function input(name, kind) {
  const id = `f-${name}`;
  if (kind === "bool") return h("input", { id, name, type: "checkbox" });
  if (kind in SELECTS) return h("select", { id, name }, Object.entries(SELECTS[kind]).map(([v, l]) => h("option", { value: v }, l)));
  if (kind === "text") return h("textarea", { id, name, rows: 2 });
  if (kind === "line") return h("input", { id, name, type: "text" });
  return h("input", { id, name, type: kind === "date" ? "date" : "number", step: kind === "money" ? "0.01" : "1" });
}

function stepForm(ctx, kase, action) {
  const [label, fields] = STEPS[action];
  const form = h("form", { class: "card step", "data-action": action }, h("h3", {}, label),
    fields.map(([name, text, kind]) => h("label", { class: "field" }, h("span", {}, text), input(name, kind))),
    h("button", { type: "submit", class: "primary" }, label));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { expected_version: kase.version };
    for (const [name, , kind] of fields) {
      const el = form.elements[name];
      if (kind === "bool") body[name] = el.checked;
      else if (el.value === "") continue;
      else if (kind === "money") body[name] = Math.round(Number(el.value) * 100);
      else if (kind === "int") body[name] = Number(el.value);
      else body[name] = el.value;
    }
    if (action === "legal_opinion") body.checklist = Object.fromEntries(CHECKLIST.map((p) => [p, body.opinion === "agree"]));
    const path = action === "record_payment" ? `/api/cases/${kase.id}/payments` : `/api/cases/${kase.id}/steps/${action}`;
    try {
      await ctx.api.post(path, body);
      toast(`${label}：已保存`);
      await route(ctx);
    } catch (error) {
      toast(error.detail || "操作失败", "error");
    }
  });
  return form;
}

// The calculator's verdict on the penalty notified (裁量基准), with its reasoning in Chinese.
function discretionOf(kase) {
  const notice = [...kase.steps].reverse().find((s) => s.action === "notify");
  const verdict = notice && notice.details.discretion;
  if (!verdict) return null;
  return h("details", { class: "discretion", open: true }, h("summary", {}, `裁量基准：${verdict.explanation}`),
    h("ol", {}, verdict.reasoning.map((line) => h("li", {}, line.replace(/^\d+\. /, "")))),
    verdict.reason_outside_benchmark ? h("p", {}, `超出基准的理由：${verdict.reason_outside_benchmark}`) : null);
}

async function casePage(ctx, id) {
  const kase = await ctx.api.get(`/api/cases/${id}`);
  const allowed = Object.entries(kase.allowed).filter(([, refusal]) => refusal === null).map(([a]) => a);
  return h("section", { class: "case" },
    h("h1", {}, `${kase.number} · ${kase.party_name}`),
    h("p", { class: "status", id: "case-status" }, kase.status_label),
    h("p", { id: "case-money" }, `违法行为：${kase.violation_title}；拟处罚款 ${yuan(kase.proposed_fine_fen)}；决定罚款 ${yuan(kase.fine_fen)}；已缴 ${yuan(kase.paid_fen)}；尚欠 ${yuan(kase.owed_fen)}`),
    discretionOf(kase),
    h("h2", {}, "期限"),
    h("table", { class: "deadlines" }, h("tr", {}, ["期限", "届满日", "计算", "依据", "状态"].map((t) => h("th", {}, t))),
      kase.deadlines.map((d) => h("tr", { "data-key": d.key, class: d.state },
        h("td", {}, d.label), h("td", { class: "due" }, d.due || (d.error ? d.error.detail : "—")),
        h("td", {}, d.unit === "working" ? "工作日" : "自然日"), h("td", {}, d.basis), h("td", {}, STATES[d.state])))),
    h("h2", {}, "文书"),
    // Issued documents: number and seal state; the sealed PDF once 已签章 (a step never waits).
    h("table", { class: "issued-documents" }, h("tr", {}, ["文书", "文号", "签章", "下载"].map((t) => h("th", {}, t))),
      kase.documents.map((d) => h("tr", { "data-type": d.doc_type, "data-state": d.state },
        h("td", {}, d.title), h("td", { class: "number" }, d.number), h("td", { class: "state" }, d.state_label),
        h("td", {}, d.download ? h("a", { href: d.download, download: "" }, "下载已签章文书") : "—")))),
    kase.archive ? h("p", { id: "case-archive", "data-state": kase.archive.state }, `电子档案：${kase.archive.state_label}`,
      kase.archive.download ? [`（档号 ${kase.archive.archive_no}）`, h("a", { href: kase.archive.download, download: "" }, "下载档案包")] : "") : null,
    h("h2", {}, "办案记录"),
    h("ol", { class: "steps" }, kase.steps.map((s) => h("li", {}, `${s.label} · ${s.actor} · ${new Date(s.acted_at).toLocaleString("zh-CN")}`))),
    h("h2", {}, "可办理"),
    allowed.filter((a) => a in STEPS).map((a) => stepForm(ctx, kase, a)));
}

// A supervisor's decision on a finding: the kind, and what that kind needs (a correction's
// deadline, 不予处罚's legal ground, 简易程序's fine); or the confirmation of an officer's proposal.
function disposeForm(ctx, finding, grounds) {
  const kind = h("select", { name: "kind" }, Object.entries(KINDS).map(([v, l]) => h("option", { value: v }, l)));
  const due = h("input", { name: "correction_due", type: "date", title: "改正期限" });
  const ground = h("select", { name: "ground_code", title: "不予处罚依据" },
    grounds.map((g) => h("option", { value: g.code }, `${g.title}（${g.law}${g.article}）`)));
  const fine = h("input", { name: "penalty_yuan", type: "number", step: "1", min: "0", placeholder: "罚款（元），空为警告" });
  const extras = { correction: [due], no_penalty: [ground], simple: [fine], case: [] };
  const show = () => Object.entries(extras).forEach(([k, els]) => els.forEach((el) => { el.hidden = k !== kind.value; }));
  kind.addEventListener("change", show);
  const form = finding.proposal
    ? h("form", { class: "dispose" }, h("button", { type: "submit" }, `确认${KINDS[finding.proposal.kind]}`))
    : h("form", { class: "dispose" }, kind, due, ground, fine, h("button", { type: "submit" }, "决定处置"));
  show();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { kind: kind.value };
    if (kind.value === "correction") body.correction_due = due.value || null;
    if (kind.value === "no_penalty") body.ground_code = ground.value;
    if (kind.value === "simple") {
      body.penalty_kind = fine.value ? "fine" : "warning";
      if (fine.value) body.penalty_fen = Math.round(Number(fine.value) * 100);
    }
    try {
      if (finding.proposal) await ctx.api.post(`/api/dispositions/${finding.proposal.id}/confirm`, { expected_version: finding.proposal.version });
      else await ctx.api.post(`/api/inspections/${finding.inspection_uuid}/findings/${finding.item_id}/disposition`, body);
      toast("处置已保存");
      await route(ctx);
    } catch (error) {
      toast(error.detail || "操作失败", "error");
    }
  });
  return form;
}

async function homePage(ctx) {
  // Supervisors decide dispositions; an officer sees the cases and warnings only.
  const oversees = ctx.me.roles.some((r) => r === "supervisor" || r === "admin");
  const [findings, warnings, cases, grounds] = await Promise.all([
    oversees ? ctx.api.get("/api/findings/pending") : [], ctx.api.get("/api/cases/warnings"), ctx.api.get("/api/cases"),
    oversees ? ctx.api.get("/api/dispositions/grounds").then((r) => r.grounds) : []]);
  return h("section", {},
    h("h1", {}, "待处置问题"),
    h("table", { class: "findings" }, h("tr", {}, ["对象", "问题", "审核通过", "已等待", "处置"].map((t) => h("th", {}, t))),
      findings.map((f) => h("tr", {}, h("td", {}, f.subject_name), h("td", {}, f.violation.title), h("td", {}, f.approved_on),
        h("td", { class: "age" }, `${f.age_days} 天`), h("td", {}, f.proposal ? `待确认：${KINDS[f.proposal.kind]}` : "", disposeForm(ctx, f, grounds))))),
    h("h1", {}, "期限预警"),
    h("ul", { class: "warnings" }, warnings.map((w) => h("li", {}, h("a", { href: `#/case/${w.case_id}` }, `${w.number} ${w.label}：${w.due || "无法计算"}（${STATES[w.state]}）`)))),
    h("h1", {}, "案件"),
    h("ul", { class: "cases" }, cases.map((c) => h("li", {}, h("a", { href: `#/case/${c.id}` }, `${c.number} ${c.party_name} · ${c.status_label}`)))));
}

function loginPage(ctx) {
  const username = h("input", { id: "username", autocomplete: "username" });
  const password = h("input", { id: "password", type: "password" });
  const form = h("form", { class: "card login" }, h("h1", {}, "案件办理 登录"), h("label", { for: "username" }, "用户名"), username,
    h("label", { for: "password" }, "密码"), password, h("button", { type: "submit", class: "primary" }, "登录"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await ctx.api.login(username.value.trim(), password.value);
      ctx.me = await ctx.api.me();
      await route(ctx);
    } catch (error) {
      toast(error.detail || "登录失败", "error");
    }
  });
  return form;
}

async function route(ctx) {
  const path = location.hash.replace(/^#\/?/, "");
  const current = takeTurn(ctx);
  document.getElementById("who").textContent = ctx.me ? ctx.me.display_name : "";
  let page;
  try {
    if (!ctx.me) page = loginPage(ctx);
    else if (/^case\/\d+$/.test(path)) page = await casePage(ctx, path.split("/")[1]);
    else page = await homePage(ctx);
  } catch (error) {
    page = h("p", { class: "notice error" }, error.detail || "加载失败，请刷新。");
  }
  if (!current()) return; // a later navigation owns the view
  replaceChildren(document.getElementById("view"), page);
}

async function start() {
  const ctx = { api: createApi({ onAuthRequired: () => { ctx.me = null; } }), me: null };
  try {
    ctx.me = await ctx.api.me();
  } catch {
    ctx.me = null;
  }
  window.addEventListener("hashchange", () => route(ctx));
  await route(ctx);
}

start();
