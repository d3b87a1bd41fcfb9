"""The oversight API: figures (JSON) and their exports (CSV, XLSX) for whoever may see them, and
early warnings for supervisors (their team's) and admins (all)."""
from __future__ import annotations

from flask import Response

from ..accounts.auth import current_user, login_required
from ..errors import ApiError
from ..schemas import Blueprint
from . import exports, figures, warnings
from .period import parse_period
from .schemas import (
    AcknowledgeSchema,
    ExportQuerySchema,
    FiguresQuerySchema,
    FiguresSchema,
    OversightWarningSchema,
    ScanResultSchema,
    WarningListSchema,
    WarningQuerySchema,
)
from .scope import scope_of, warning_scope

blp = Blueprint("oversight", __name__, url_prefix="/api/oversight",
                description="The bureau's figures, their exports and early warnings (预警)")


def _scope_label(scope) -> str:
    user = current_user()
    if scope.officer_id is not None:
        return user.display_name
    if scope.team_id is not None:
        return user.team.name if user.team and user.team_id == scope.team_id else f"中队 {scope.team_id}"
    return "全局"


def _figures(query, only=None):
    scope = scope_of(current_user(), query.get("team"))
    period = parse_period(query.get("first"), query.get("last"))
    return scope, period, figures.compute_figures(scope, period, query["group_by"], only)


@blp.route("/figures", methods=["GET"])
@blp.arguments(FiguresQuerySchema, location="query")
@blp.response(200, FiguresSchema)
@login_required
def show_figures(query):
    """Every figure for my scope over the months asked, grouped by month, team or officer."""
    scope, period, results = _figures(query)
    return {"period": {"from": period.first.strftime("%Y-%m"), "to": period.last.strftime("%Y-%m"),
                       "label": period.label()},
            "scope": {"team_id": scope.team_id, "officer_id": scope.officer_id, "label": _scope_label(scope)},
            "group_by": query["group_by"], "figures": results}


@blp.route("/figures/<string:figure_id>/export", methods=["GET"])
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv", description="CSV (UTF-8 with BOM, CRLF) or XLSX")
@login_required
def export_figure(query, figure_id):
    """One figure's table as CSV or XLSX, exactly as the dashboard shows it."""
    if figure_id not in figures.FIGURE_IDS:
        raise ApiError("oversight.unknown_figure")
    scope, period, (figure,) = _figures(query, figure_id)
    name = f"{figure_id}-{period.first:%Y%m}-{period.last:%Y%m}.{query['format']}"
    if query["format"] == "csv":
        body, mimetype = exports.figure_csv(figure), exports.CSV_TYPE
    else:
        body, mimetype = exports.figure_xlsx(figure, period, _scope_label(scope)), exports.XLSX_TYPE
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})


@blp.route("/warnings", methods=["GET"])
@blp.arguments(WarningQuerySchema, location="query")
@blp.response(200, WarningListSchema)
@login_required
def list_warnings(query):
    """Warnings of my team (supervisors) or all (admins): open, acknowledged or all."""
    scope = warning_scope(current_user())
    return {"warnings": [warnings.dump_warning(w) for w in warnings.list_warnings(scope, query["state"])],
            "open": warnings.count_open(scope)}


@blp.route("/warnings/scan", methods=["POST"])
@blp.response(200, ScanResultSchema)
@login_required
def scan():
    """Look for new warnings now; answers those raised by this scan (all teams' are stored)."""
    scope = warning_scope(current_user())
    raised = warnings.scan_warnings(current_user())
    return {"raised": [warnings.dump_warning(w) for w in raised
                       if scope.team_id is None or w.team_id == scope.team_id]}


@blp.route("/warnings/<id:warning_id>/acknowledge", methods=["POST"])
@blp.arguments(AcknowledgeSchema)
@blp.response(200, OversightWarningSchema)
@login_required
def acknowledge(data, warning_id):
    """Acknowledge a warning of my team (or any, as an admin): who and when are recorded."""
    scope = warning_scope(current_user())
    warning = warnings.get_warning(scope, warning_id)
    return warnings.dump_warning(warnings.acknowledge_warning(current_user(), warning, data.get("comment")))
