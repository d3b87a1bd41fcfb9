// My inspection tasks (检查任务): draw tasks from random plans and my team's follow-up inspections
// after a correction order (复查, `kind` follow_up), one list pulled with each sync into IndexedDB
// `tasks` so that they show and start offline, each with its target's recent inspections (防止执法
// 扰民). A record synced for a task completes it on the server (the task's `completion_url`, kept
// on the record; retried at each sync until the server has answered).
import { ApiError } from "./api.js";

/** Ask the server for my tasks and keep its answer (a task no longer listed goes). */
export async function pullTasks({ api, store }) {
  const tasks = await api.get("/api/tasks?assignee=me");
  await store.replaceTasks(tasks);
  await store.setMeta("tasks_pulled_at", new Date().toISOString());
}

/** Report each synced record made for a task; the answer (done, or why not) is kept on it. */
export async function completeTasks({ api, store }) {
  for (const entry of await store.listSent()) {
    if (!entry.task_id || entry.task_reported_at) continue;
    let outcome = "done";
    try {
      await api.post(entry.task_completion_url || `/api/tasks/${entry.task_id}/completion`, { inspection_uuid: entry.uuid });
    } catch (error) {
      if (!(error instanceof ApiError) || error.offline || error.status >= 500 || error.code === "auth.required") throw error;
      outcome = error.code === "task.already_done" ? "done" : error.code; // refused: said once, not retried
    }
    await store.putSent({ ...entry, task_reported_at: new Date().toISOString(), task_outcome: outcome });
    const task = await store.getTask(entry.task_id);
    if (task && outcome === "done") await store.putTask({ ...task, status: "done", inspection_uuid: entry.uuid });
  }
}
