// My inspection tasks (检查任务), as last pulled (shown offline): draw tasks from random plans and
// follow-up inspections after a correction order (复查), open ones first by deadline, overdue
// marked; 开始检查 opens the task's form with the subject (and co-officer) filled in, or the draft
// already started for it. Starting asks the server for the target's recent inspections (防止执法
// 扰民); offline, the ones cached with the task list are used, and the officer is never blocked:
// a reason the server asks for later comes back with the record in 待同步.
import { createDraft } from "../drafts.js";
import { formatTime, h, localDay, replaceChildren } from "../dom.js";
import { currentForms } from "../reference.js";

/** The target's inspections within the window: the server's answer now, else the cached one. */
async function recentInspections(ctx, task) {
  const cached = { inspections: task.recent_inspections || [], window_days: null };
  if (!task.target_id || !navigator.onLine) return cached;
  try {
    return await ctx.api.get(`/api/targets/recent?target_id=${task.target_id}`);
  } catch {
    return cached; // no network after all, or the server failed: go on with what the phone holds
  }
}

function taskLine(task) {
  if (task.kind === "follow_up") {
    const earlier = task.earlier_inspection;
    return `责令改正复查 · 整改期限 ${task.due_on}${earlier ? ` · 原检查 ${formatTime(earlier.started_at)}` : ""}`;
  }
  return `${task.plan_title} · 截止 ${task.due_on} · 执法人员 ${task.officers.join("、")}`;
}

async function startTask(ctx, task) {
  const started = (await ctx.store.listDrafts()).find((d) => d.task_id === task.id);
  if (started) {
    location.hash = `#/draft/${started.uuid}`;
    return;
  }
  const summary = (await currentForms(ctx.store)).find((f) => f.id === task.form_id);
  const form = summary && await ctx.store.getForm(summary.id, summary.version);
  if (!form) {
    alert("该任务的检查表单尚未下载到本机，请联网后重试。");
    return;
  }
  const draft = await createDraft(ctx.store, { form, me: ctx.me, task, recent: await recentInspections(ctx, task) });
  location.hash = `#/draft/${draft.uuid}`;
}

function taskRow(ctx, task, today) {
  const overdue = task.status === "open" && task.due_on < today;
  const label = task.status === "done" ? "已完成" : overdue ? "已逾期" : "待检查";
  return h("li", { class: "task", dataset: { task: task.id, status: task.status, kind: task.kind || "draw" } },
    h("span", { class: "list-main" }, `${task.subject.name}${task.subject.code && task.subject.code !== task.subject.name ? `（${task.subject.code}）` : ""}`),
    h("span", { class: `status status-${overdue ? "returned" : task.status === "done" ? "approved" : "complete"}` }, label),
    h("span", { class: "list-sub" }, taskLine(task)),
    task.status === "open" && task.recent_inspections?.length
      ? h("span", { class: "list-sub", dataset: { role: "recently-inspected" } }, `近期已被检查 ${task.recent_inspections.length} 次，开始检查时须填写理由`) : null,
    task.status === "open" ? h("button", { type: "button", class: "primary", dataset: { role: "start-task" },
      onclick: () => startTask(ctx, task) }, "开始检查") : null);
}

export async function render(ctx) {
  const list = h("div", { dataset: { role: "task-list" } });
  const pulled = h("p", { class: "hint" });
  async function draw() {
    const tasks = await ctx.store.listTasks();
    const pulledAt = await ctx.store.getMeta("tasks_pulled_at");
    const today = localDay();
    tasks.sort((a, b) => (a.status === b.status ? a.due_on.localeCompare(b.due_on) : a.status === "open" ? -1 : 1));
    replaceChildren(list, tasks.length ? h("ul", { class: "list", dataset: { role: "tasks" } }, tasks.map((t) => taskRow(ctx, t, today)))
      : h("p", { class: "notice" }, "暂无分派给您的检查任务。"));
    pulled.textContent = pulledAt ? `任务更新于 ${formatTime(pulledAt)}（离线时显示最后一次同步的任务）` : "任务尚未从服务器同步";
  }
  await draw();
  const root = h("div", { class: "screen tasks" }, h("h2", { class: "screen-title" }, "检查任务"), list, pulled,
    h("a", { class: "button secondary", href: "#/" }, "返回首页"));
  root.dataset.title = "检查任务";
  // Redrawn whenever a sync changes what the phone knows (a task pulled or completed).
  const onChange = () => { if (root.isConnected) draw(); };
  ctx.outbox.events.addEventListener("change", onChange);
  ctx.view.onDispose(() => ctx.outbox.events.removeEventListener("change", onChange));
  return root;
}
