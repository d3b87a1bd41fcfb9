// What the review desk calls each state, action and flag (zh-CN), and small formatters.
export const STATUS = {
  incomplete: "证据未齐", complete: "待审核", in_review: "法制审核中", approved: "已通过", returned: "已退回",
};
export const ACTION = {
  "inspection.submitted": "记录提交", "inspection.completed": "证据齐全", "inspection.sync_conflict": "同步冲突",
  "inspection.record_printed": "打印笔录", "evidence.upload_started": "开始上传证据", "evidence.upload_completed": "证据上传完成",
  "evidence.received": "证据核验入库", "evidence.original_downloaded": "查看/下载原件", "evidence.hash_mismatch": "证据哈希不符",
  "review.return": "退回更正", "review.approve": "审核通过", "review.send_to_legal_review": "送法制审核",
  "review.legal_opinion": "法制审核意见", "inspection.exported": "导出案卷",
};
export const OPINION = { agree: "同意", disagree: "不同意", more_evidence: "补充材料" };
export const KIND = { photo: "照片", audio: "录音", video: "录像" };

const pad = (n) => String(n).padStart(2, "0");

/** A moment as the bureau reads it (the browser's zone: Asia/Shanghai at the bureau). */
export function when(value, seconds = false) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const base = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${base}:${pad(d.getSeconds())}` : base;
}

export function offsetText(ms) {
  if (ms === null || ms === undefined) return "未知";
  const s = ms / 1000;
  return `${s >= 0 ? "+" : ""}${s.toFixed(1)} 秒${Math.abs(s) > 60 ? "（偏差较大）" : ""}`;
}

export function statusTag(h, status) {
  return h("span", { class: `status status-${status}`, dataset: { status } }, STATUS[status] || status);
}

/** A distance as a person says it: 850 米, 1.5 公里, 94 公里 (as the server words its flags). */
export function distanceText(metres) {
  if (metres < 1000) return `${Math.round(metres)} 米`;
  if (metres < 10000) return `${(metres / 1000).toFixed(1).replace(/\.0$/, "")} 公里`;
  return `${Math.round(metres / 1000)} 公里`;
}

/** Which desk a user gets: a supervisor's or legal reviewer's review desk, an admin's overview,
 * or, for a plain officer, a read-only list of their own records (they review nothing). */
export function deskOf(me) {
  const roles = me?.roles || [];
  if (roles.includes("supervisor")) return { kind: "supervisor", title: "本中队检查记录审核", brand: "执法审核" };
  if (roles.includes("legal_reviewer")) return { kind: "legal", title: "法制审核", brand: "执法审核" };
  if (roles.includes("admin")) return { kind: "admin", title: "全部检查记录", brand: "执法审核" };
  return { kind: "officer", title: "我的检查记录（只读）", brand: "我的检查记录", readOnly: true };
}
