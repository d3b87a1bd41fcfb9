// The 当场行政处罚决定书 of a decision made on this phone, shown offline with its number from the
// phone's block, the calculator's reasoning, the signatures and whether the server holds it. The
// wording follows server/simple/document_text.py (the server's copy is the one sealed).
import { calculatePenalty } from "../discretion.js";
import { formatTime, h } from "../dom.js";

const SYNC_STATE = { pending: "待同步（联网后自动上传）", sent: "已同步到服务器", rejected: "服务器拒收，请查看原因", conflict: "与服务器记录冲突" };

function penaltyText(penalty) {
  const parts = [...(penalty.types.includes("warning") ? ["警告"] : []), ...(penalty.types.includes("fine") ? [`罚款人民币 ${penalty.amount} 元`] : [])];
  return `依据《中华人民共和国行政处罚法》第五十一条，当场作出如下行政处罚决定：${parts.join("，并处")}。`;
}

function pngUrl(view, entry) {
  const bytes = Uint8Array.from(atob(entry.png), (c) => c.charCodeAt(0));
  return view.objectUrl(new Blob([bytes], { type: "image/png" }));
}

export async function render(ctx, uuid) {
  const entry = await ctx.store.getDecision(uuid);
  if (!entry) return h("div", { class: "screen" }, h("p", { class: "notice" }, "本机没有这份决定书。"), h("a", { class: "button", href: "#/" }, "返回首页"));
  const d = entry.decision;
  const { benchmarks = [] } = (await ctx.store.getMeta("discretion")) || {};
  let reasoning = [];
  try {
    reasoning = calculatePenalty(benchmarks, d.violation, d.facts, d.party_kind).reasoning;
  } catch {
    reasoning = [];
  }
  const step = (prefix) => (reasoning.map((l) => l.replace(/^\d+\. /, "")).find((l) => l.startsWith(prefix)) || "");
  const officers = await ctx.store.listOfficers();
  const officerText = (username) => {
    const o = officers.find((x) => x.username === username);
    const me = ctx.me.username === username ? ctx.me : null;
    const who = o || me || { display_name: username };
    const certificate = who.certificate_number || who.certificate?.number;
    return `${who.display_name || username}${certificate ? `（执法证号 ${certificate}）` : ""}`;
  };
  const root = h("div", { class: "screen simple-document", dataset: { role: "simple-document", state: entry.state } },
    h("h2", { class: "screen-title" }, "当场行政处罚决定书"),
    h("p", { class: "document-number", dataset: { role: "document-number" } }, entry.number_text),
    h("p", { class: `status status-${entry.state}`, dataset: { role: "sync-state" } }, SYNC_STATE[entry.state] || entry.state),
    entry.server?.detail && entry.state !== "sent" ? h("p", { class: "notice warn" }, entry.server.detail) : null,
    h("dl", { class: "facts" },
      h("dt", {}, "当事人"), h("dd", { dataset: { role: "party" } }, `${d.party_name}${d.party_code ? `（${d.party_code}）` : ""}`),
      h("dt", {}, "违法时间、地点"), h("dd", {}, `${formatTime(d.decided_at)}，${d.place}`),
      h("dt", {}, "违法事实"), h("dd", {}, `${step("违法行为")}${step("认定的事实")}${step("情节")}`),
      h("dt", {}, "违反和处罚的法律依据"), h("dd", {}, step("违反")),
      h("dt", {}, "处罚决定"), h("dd", { dataset: { role: "penalty" } }, penaltyText(d.penalty)),
      h("dt", {}, "罚款缴纳方式和期限"), h("dd", {}, d.penalty.types.includes("fine")
        ? "当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款（《中华人民共和国行政处罚法》第六十七条）；到期不缴纳的，每日按罚款数额的百分之三加处罚款（第七十二条）。"
        : "本决定为警告，不涉及罚款缴纳。"),
      h("dt", {}, "救济途径和期限"), h("dd", {}, "如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"),
      h("dt", {}, "执法人员及证号"), h("dd", {}, d.officers.map(officerText).join("、"))),
    h("div", { class: "signatures" }, d.signatures.map((s) => h("figure", { dataset: { signer: s.signer } },
      h("img", { src: pngUrl(ctx.view, s), alt: `${s.signer} 签名`, class: "signature-image" }),
      h("figcaption", {}, `${s.signer === "party" ? "当事人" : officerText(s.signer)} · SHA-256 ${s.sha256.slice(0, 12)}…`)))),
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "当场行政处罚决定书";
  return root;
}
