"""The discretion API: the current benchmarks (for the desk and the PWA) and the calculator."""
from __future__ import annotations

from ..accounts.auth import login_required, roles_required
from ..database import READER, db_mode
from ..schemas import Blueprint
from . import calculator, service
from .schemas import BenchmarkOutSchema, CalculateSchema, CalculationOutSchema

blp = Blueprint("discretion", __name__, url_prefix="/api",
                description="Discretion benchmarks (裁量基准) and the penalty calculator")


@blp.route("/discretion", methods=["GET"])
@blp.response(200, BenchmarkOutSchema(many=True))
@login_required
def list_discretion():
    """The current version of every benchmark and of the no-penalty list, in full."""
    return [{"id": b.id, "version": b.version, "kind": b.kind, "title": b.title,
             "hash": b.content_hash, "document": b.document} for b in service.current_benchmarks()]


@blp.route("/discretion/calculate", methods=["POST"])
@db_mode(READER)  # computes only: no writer's turn for a calculation
@blp.arguments(CalculateSchema)
@blp.response(200, CalculationOutSchema)
@blp.alt_response(422, description="discretion.unknown_violation, discretion.invalid_facts, "
                  "discretion.no_level, discretion.not_competent, discretion.invalid_proposal")
@roles_required("officer", "supervisor", "legal_reviewer")
def calculate(args):
    """Level, benchmark penalty and reasoning for a violation's facts; with `proposed`, whether
    that penalty is within the benchmark (outside: a written reason and legal review)."""
    if args["proposed"] is None:
        return calculator.calculate_penalty(args["violation"], args["facts"], args["party_kind"])
    checked = calculator.check_penalty(args["violation"], args["facts"], args["proposed"],
                                       args["party_kind"])
    return {**checked.pop("calculation"), "check": checked}
