// 案卷评查 (#/evalreview): the quarter's sample (commit, draw with a witness value, its published
// JSON to verify), the sampled files with their current scores, the scoring form (the checklist
// as the server gives it; a correction supersedes the current score), results per officer and
// team with their exports, and the problems found with their age until someone records them fixed.
import { h } from "/js/dom.js";
import { when } from "/review/js/labels.js";
import { figureTable } from "./table.js";

const RESULTS = { met: "符合", not_met: "不符合", na: "不适用" };
const KINDS = { case: "案件", inspection: "检查记录" };

const isStaff = (ctx) => ctx.me.roles.some((r) => r === "admin" || r === "supervisor");

async function act(ctx, button, call, done) {
  button.disabled = true;
  try {
    await call();
    ctx.toast(done);
    ctx.rerender();
  } catch (error) {
    button.disabled = false;
    ctx.toast(error.detail || String(error), "error");
  }
}

function commitForm(ctx) {
  const quarter = h("input", { id: "quarter", placeholder: "2026-Q3", pattern: "\\d{4}-Q[1-4]", required: true });
  const button = h("button", { type: "submit", class: "primary" }, "承诺种子并公布待抽取名单");
  const form = h("form", { class: "card controls", "aria-label": "评查抽样" }, h("label", {}, "季度", quarter), button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(ctx, button, () => ctx.api.post("/api/evalreview/samples", { quarter: quarter.value.trim() }),
      "已承诺：种子的 SHA-256 和待抽取名单已公布。");
  });
  return form;
}

function drawForm(ctx, sample) {
  const witness = h("input", { id: "witness", required: true, maxlength: 200, placeholder: "如当日体彩开奖号码" });
  const button = h("button", { type: "submit", class: "primary" }, "抽取");
  const form = h("form", { class: "controls" }, h("label", {}, "见证值（承诺后才公布的公开数值）", witness), button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(ctx, button, () => ctx.api.post(`/api/evalreview/samples/${sample.id}/draw`, { witness_value: witness.value.trim() }),
      "已抽取，种子已公开，可用 verify_review_sample 复核。");
  });
  return form;
}

function scoreForm(ctx, sample, file, standard) {
  const current = file.score;
  const sections = standard.sections.map((section) => h("fieldset", { class: "card" },
    h("legend", {}, section.title),
    section.items.map((item) => h("div", { class: "review-item", dataset: { item: item.id } },
      h("p", {}, h("strong", {}, `${item.text}（${item.points} 分${item.veto ? "，否决项" : ""}）`)),
      h("p", { class: "muted" }, `问题情形：${item.defect}`),
      h("div", { class: "choices" }, Object.entries(RESULTS).filter(([v]) => v !== "na" || item.may_be_na).map(([value, label]) =>
        h("label", {}, h("input", { type: "radio", name: item.id, value, required: true,
          checked: current ? current.answers[item.id].result === value : value === "met" }), label))),
      h("input", { id: `note-${item.id}`, maxlength: 2000, placeholder: "存在的问题（评为不符合时必填）",
        value: current ? current.answers[item.id].note || "" : "" })))));
  const reason = current ? h("textarea", { id: "reason", required: true, maxlength: 2000 }) : null;
  const button = h("button", { type: "submit", class: "primary" }, current ? "提交更正后的评分" : "提交评分");
  const form = h("form", { id: "score-form", dataset: { file: file.id } },
    h("h2", {}, `评分：${file.id}`), sections,
    reason ? h("label", { for: "reason" }, `更正理由（将取代 ${current.reviewer} 的评分 ${current.score}）`) : null, reason, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const answers = {};
    for (const section of standard.sections) {
      for (const item of section.items) {
        const note = form.querySelector(`#note-${item.id}`).value.trim();
        answers[item.id] = { result: form.querySelector(`input[name=${item.id}]:checked`).value, note: note || null };
      }
    }
    const body = { file_id: file.id, answers, supersedes: current ? current.id : null, reason: reason ? reason.value.trim() : null };
    act(ctx, button, async () => {
      const score = await ctx.api.post(`/api/evalreview/samples/${sample.id}/scores`, body);
      ctx.evalScoring = null;
      ctx.lastScore = score;
    }, "评分已保存。");
  });
  return form;
}

function filesTable(ctx, sample) {
  const rows = sample.files.map((file) => h("tr", { dataset: { file: file.id } },
    h("th", { scope: "row" }, file.id), h("td", {}, KINDS[file.kind]), h("td", {}, file.team || "—"),
    h("td", {}, file.officers.join("、")), h("td", { class: "num", dataset: { key: "score" } }, file.score ? file.score.score : "未评"),
    h("td", { dataset: { key: "grade" } }, file.score ? file.score.grade : "—"),
    h("td", {}, file.may_score
      ? h("button", { type: "button", dataset: { score: file.id }, onclick: () => { ctx.evalScoring = file.id; ctx.rerender(); } },
        file.score ? "更正评分" : "评分")
      : h("span", { class: "muted" }, "回避或无评查权限"))));
  return h("table", { class: "figure-table", id: "sampled-files" },
    h("caption", { class: "muted" }, "抽取的案卷"),
    h("thead", {}, h("tr", {}, ["案卷", "类型", "中队", "承办人员", "得分", "等级", ""].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows));
}

function sampleCard(ctx, sample) {
  return h("section", { class: "card", dataset: { sample: sample.quarter } },
    h("h2", {}, `${sample.quarter} 评查抽样 · ${sample.status === "drawn" ? "已抽取" : "已承诺，待抽取"}`),
    h("p", {}, `待抽取案卷 ${sample.eligible} 份；承诺时间 ${when(sample.committed_at)}`),
    h("p", { class: "definition" }, `承诺摘要 ${sample.commitment_digest}；种子 SHA-256 ${sample.seed_sha256}`),
    h("p", {}, h("a", { href: `/api/evalreview/samples/${sample.id}/sample.json`, download: `review-sample-${sample.quarter}.json` }, "下载公布的抽样文件"),
      " · 复核：python -m server.verify_review_sample review-sample.json --commitment ", sample.commitment_digest),
    sample.status === "committed" && isStaff(ctx) ? drawForm(ctx, sample) : null,
    sample.status === "drawn" ? [h("p", {}, `见证值：${sample.witness_value}；抽取 ${sample.files.length} 份。`), filesTable(ctx, sample)] : null);
}

function resultsCard(sample, table, groupBy) {
  const url = (format) => `/api/evalreview/samples/${sample.id}/results/export?group_by=${groupBy}&format=${format}`;
  return h("section", { class: "card figure", dataset: { figure: table.id } },
    h("h2", {}, table.title), h("p", { class: "definition" }, h("strong", {}, "口径："), table.definition),
    figureTable(table),
    h("div", { class: "exports" },
      h("a", { class: "button", href: url("xlsx"), download: "", dataset: { export: "xlsx" } }, "导出 Excel（XLSX）"),
      h("a", { class: "button", href: url("csv"), download: "", dataset: { export: "csv" } }, "导出 CSV")));
}

function problemRow(ctx, problem) {
  let action = h("span", { class: "muted" }, problem.closed_by ? `${problem.closed_by} ${when(problem.closed_at)}：${problem.close_note}` : "");
  if (problem.state === "open" && isStaff(ctx)) {
    const note = h("input", { id: `fix-${problem.id}`, required: true, maxlength: 2000, placeholder: "整改情况" });
    const button = h("button", { type: "submit" }, "确认已整改");
    action = h("form", { class: "controls" }, note, button);
    action.addEventListener("submit", (event) => {
      event.preventDefault();
      act(ctx, button, () => ctx.api.post(`/api/evalreview/problems/${problem.id}/fix`, { note: note.value.trim() }), "已记录整改。");
    });
  }
  return h("tr", { dataset: { problem: problem.id, state: problem.state } },
    h("th", { scope: "row" }, problem.file_id), h("td", {}, problem.officers.join("、")),
    h("td", {}, `${problem.section_title}：${problem.item_text}`), h("td", {}, problem.note),
    h("td", {}, problem.state_label), h("td", { class: "num" }, `${problem.age_days} 天`), h("td", {}, action));
}

export async function render(ctx) {
  const samples = await ctx.api.get("/api/evalreview/samples");
  const sample = samples.find((s) => s.status === "drawn") || samples[0];
  const parts = [h("h1", {}, "案卷评查"),
    h("p", { class: "muted" }, "每季度按局里规定的比例从已结案的案件和已审核通过、未立案的检查记录中随机抽取案卷，抽取方法与双随机抽查相同，可公开复核。"),
    isStaff(ctx) ? commitForm(ctx) : null,
    samples.length ? samples.map((s) => sampleCard(ctx, s)) : h("p", { class: "notice" }, "还没有评查抽样。")];
  if (sample && sample.status === "drawn") {
    const file = sample.files.find((f) => f.id === ctx.evalScoring);
    const [standard, byOfficer, byTeam] = await Promise.all([
      file ? ctx.api.get("/api/evalreview/standard") : null,
      ctx.api.get(`/api/evalreview/samples/${sample.id}/results?group_by=officer`),
      ctx.api.get(`/api/evalreview/samples/${sample.id}/results?group_by=team`)]);
    if (file) parts.push(scoreForm(ctx, sample, file, standard));
    parts.push(resultsCard(sample, byTeam, "team"), resultsCard(sample, byOfficer, "officer"));
  }
  const problems = await ctx.api.get("/api/evalreview/problems");
  parts.push(h("section", { class: "card" }, h("h2", {}, "评查发现的问题（整改跟踪）"),
    problems.length ? h("table", { class: "figure-table", id: "problems" },
      h("thead", {}, h("tr", {}, ["案卷", "承办人员", "评查项目", "问题", "状态", "已历时", "整改"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, problems.map((p) => problemRow(ctx, p)))) : h("p", { class: "notice" }, "没有发现问题。")));
  return h("div", { dataset: { title: "案卷评查" } }, parts);
}
