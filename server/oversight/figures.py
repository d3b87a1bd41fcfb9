"""The bureau's figures (P-4, P-9, P-15 …), each computed from the records with its definition in
zh-CN, per month (Asia/Shanghai), team or officer. Every figure is a table (oversight/tables.py).

An inspection is counted once, by its latest revision, in the month its officers started it
(device time, shown in Shanghai time), for the team of the officer who submitted it; per officer,
it counts for each officer who took part.
"""
from __future__ import annotations

from collections import Counter

from ..forms import service as forms
from ..inspections.models import SUBJECT_KINDS
from . import facts as loading
from .case_rates import case_rates
from .officer_performance import officer_performance
from .people_figures import certificate_rate, legal_reviewer_share, training_hours
from .period import Period, month_key
from .scope import Scope
from .tables import column, figure, group_column, percent

SUBJECT_LABELS = dict(zip(SUBJECT_KINDS, ("车辆", "船舶", "企业", "工地", "人员"), strict=True))
FIGURE_IDS = ("handheld_rate", "certificate_rate", "training_hours", "legal_reviewer_share",
              "inspections_by_form", "inspections_by_subject", "findings_by_item", "findings_by_place",
              "case_rates", "officer_performance")

HANDHELD_DEFINITION = (
    "掌上执法率 = 掌上执法检查数 ÷ 现场检查总数 × 100%。现场检查总数：统计期间内开始的全部现场检查"
    "（同一检查多次更正只计一次，以最新版本为准，按检查开始时间的北京时间归月，按提交人所在中队归队，"
    "按人员统计时计入每位参加检查的执法人员）。掌上执法检查：由执法人员手机上的掌上执法应用"
    "（本系统 PWA，设备标识以“pwa-”开头）现场录入并同步的检查；经其他途径（桌面导入、脚本或其他客户端）"
    "提交的检查不计入。")


def _groups(fact, group_by: str, scope: Scope) -> list:
    if group_by == "month":
        return [month_key(fact.day)]
    if group_by == "team":
        return [fact.team_id]
    ids = fact.officer_ids
    return [i for i in ids if scope.officer_id is None or i == scope.officer_id]


def _label_groups(keys, group_by: str) -> dict:
    if group_by == "month":
        return {k: k for k in keys}
    if group_by == "team":
        names = loading.team_names(k for k in keys if k is not None)
        return {k: names.get(k, "（未分中队）") for k in keys}
    return loading.user_names(keys)


def _ordered(keys, group_by: str, labels: dict) -> list:
    if group_by == "month":
        return sorted(keys)
    return sorted(keys, key=lambda k: (labels.get(k) or "", k or 0))


def handheld_rate(inspections, group_by: str, scope: Scope, period: Period) -> dict:
    done, total = Counter(), Counter()
    for fact in inspections:
        for key in _groups(fact, group_by, scope):
            total[key] += 1
            done[key] += fact.handheld
    keys = set(total) | ({month_key(m) for m in period.months} if group_by == "month" else set())
    labels = _label_groups(keys, group_by)
    rows = [{"group": labels[k], "handheld": done[k], "total": total[k], "rate": percent(done[k], total[k])}
            for k in _ordered(keys, group_by, labels)]
    return figure("handheld_rate", "掌上执法率", HANDHELD_DEFINITION,
                  [group_column(group_by), column("handheld", "掌上执法检查数", "int"),
                   column("total", "现场检查总数", "int"), column("rate", "掌上执法率(%)", "percent")],
                  rows, chart={"type": "bar", "x": "group", "series": ["rate"], "max": 100})


def _count_by(inspections, group_by, scope, category) -> list[dict]:
    counts = Counter()
    for fact in inspections:
        for key in _groups(fact, group_by, scope):
            counts[(key, category(fact))] += 1
    labels = _label_groups({k for k, _ in counts}, group_by)
    order = {k: i for i, k in enumerate(_ordered(set(labels), group_by, labels))}
    return [{"group": labels[k], "category": c, "count": n}
            for (k, c), n in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][1]))]


def _form_title(form_id: str, version: int) -> str:
    form = forms.get_form_version(form_id, version)
    return form.title if form else form_id


def inspections_by_form(inspections, group_by, scope, period) -> dict:
    titles = {}
    for fact in inspections:
        titles.setdefault(fact.form_id, _form_title(fact.form_id, fact.form_version))
    rows = _count_by(inspections, group_by, scope, lambda f: titles[f.form_id])
    return figure("inspections_by_form", "各类检查表单的检查数",
                  "统计期间内开始的现场检查，按所用检查表单（同一表单各版本合并）计数；计数规则同掌上执法率。",
                  [group_column(group_by), column("category", "检查表单", "text"), column("count", "检查数", "int")],
                  rows, chart={"type": "stack", "x": "group", "stack": "category", "value": "count"})


def inspections_by_subject(inspections, group_by, scope, period) -> dict:
    rows = _count_by(inspections, group_by, scope, lambda f: SUBJECT_LABELS.get(f.subject_kind, f.subject_kind))
    return figure("inspections_by_subject", "各类检查对象的检查数",
                  "统计期间内开始的现场检查，按被检查对象类别（车辆、船舶、企业、工地、人员）计数；计数规则同掌上执法率。",
                  [group_column(group_by), column("category", "对象类别", "text"), column("count", "检查数", "int")],
                  rows, chart={"type": "stack", "x": "group", "stack": "category", "value": "count"})


def _item_label(form_id: str, version: int, item_id: str) -> str:
    form = forms.get_form_version(form_id, version)
    ref = form.items.get(item_id) if form else None
    return ref.item["label"] if ref else item_id


def findings_by_item(inspections, group_by, scope, period) -> dict:
    failed, checked, labels = Counter(), Counter(), {}
    for fact in inspections:
        for item, result in fact.checks:
            key = (fact.form_id, item)
            labels.setdefault(key, (_form_title(fact.form_id, fact.form_version),
                                    _item_label(fact.form_id, fact.form_version, item)))
            checked[key] += 1
            failed[key] += result == "fail"
    rows = [{"form": labels[k][0], "item": labels[k][1], "failed": failed[k], "checked": checked[k],
             "rate": percent(failed[k], checked[k])}
            for k in sorted(checked, key=lambda k: (-failed[k], labels[k]))]
    return figure("findings_by_item", "问题发现：各检查项不符合次数",
                  "统计期间内开始的现场检查中，每个检查项被判定为“不符合”的次数，及其占该项被检查次数的比例"
                  "（重复填写的检查项每行各计一次）；按不符合次数从多到少排列。",
                  [column("form", "检查表单", "text"), column("item", "检查项", "text"),
                   column("failed", "不符合次数", "int"), column("checked", "检查次数", "int"),
                   column("rate", "不符合率(%)", "percent")],
                  rows, chart={"type": "hbar", "x": "item", "series": ["failed"], "limit": 10})


def findings_by_place(inspections, group_by, scope, period) -> dict:
    counts, labels = Counter(), {}
    for fact in inspections:
        for item in fact.failed_items:
            labels.setdefault((fact.form_id, item), _item_label(fact.form_id, fact.form_version, item))
            counts[(labels[(fact.form_id, item)], fact.team_id, SUBJECT_LABELS.get(fact.subject_kind))] += 1
    teams = _label_groups({t for _, t, _ in counts}, "team")
    rows = [{"item": i, "team": teams[t], "category": c, "failed": n}
            for (i, t, c), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], teams[kv[0][1]], kv[0][2]))]
    return figure("findings_by_place", "问题发现：在哪里发现（按中队和对象类别）",
                  "统计期间内开始的现场检查中，每个检查项的“不符合”按检查所属中队（辖区）和被检查对象类别分列计数。",
                  [column("item", "检查项", "text"), column("team", "中队", "text"),
                   column("category", "对象类别", "text"), column("failed", "不符合次数", "int")],
                  rows, chart={"type": "stack", "x": "team", "stack": "item", "value": "failed"})


INSPECTION_FIGURES = {"handheld_rate": handheld_rate, "inspections_by_form": inspections_by_form,
                      "inspections_by_subject": inspections_by_subject, "findings_by_item": findings_by_item,
                      "findings_by_place": findings_by_place, "officer_performance": officer_performance}
PEOPLE_FIGURES = {"certificate_rate": certificate_rate, "training_hours": training_hours,
                  "legal_reviewer_share": legal_reviewer_share}


def compute_figures(scope: Scope, period: Period, group_by: str, only: str | None = None) -> list[dict]:
    """Every figure (or only one) for `scope` over `period`, grouped by month, team or officer."""
    wanted = [only] if only else list(FIGURE_IDS)
    inspections = None
    results = []
    for figure_id in wanted:
        if figure_id in INSPECTION_FIGURES:
            if inspections is None:
                inspections = loading.load_inspections(scope, period.starts_at, period.ends_before)
            results.append(INSPECTION_FIGURES[figure_id](inspections, group_by, scope, period))
        elif figure_id in PEOPLE_FIGURES:
            results.append(PEOPLE_FIGURES[figure_id](scope, period, group_by))
        else:
            results.append(case_rates(period, group_by, scope))
    return results
