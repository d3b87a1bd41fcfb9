"""The working-day calendar in the API: which years are known (with their notices), the end of a
period from a date, the problem+json answer for a date beyond the known years
(`calendar.year_unknown`), an admin's entry of a year from its notice (checked first, then
entered: server/calendar_years/) and its correction, and `flask --app server calendar years|add` for the admin."""
from __future__ import annotations

from functools import wraps

import click
from flask import Flask, g
from flask.cli import AppGroup
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from . import workdays
from .accounts.auth import login_required, roles_required
from .database import READER, db_mode
from .errors import CATALOG, ApiError, problem_response
from .schemas import Blueprint, StrictSchema, bounded_date, bounded_int

blp = Blueprint("calendar", __name__, url_prefix="/api",
                description="The official working-day calendar (节假日与调休) used for legal time limits")


class HolidaySchema(Schema):
    name = fields.String(metadata={"example": "春节"})
    first = fields.Date()
    last = fields.Date()


class CalendarCheckViewSchema(Schema):
    verdict = fields.String(metadata={"description": "confirmed (核对无误) or wrong (有误)"})
    note = fields.String(allow_none=True, metadata={"description": "What is wrong, as the reviewer said"})
    by = fields.String(metadata={"description": "The legal reviewer's username"})
    by_name = fields.String()
    at = fields.DateTime()


class CalendarYearSchema(Schema):
    year = fields.Integer()
    title = fields.String(metadata={"description": "The notice of the State Council General Office"})
    number = fields.String(metadata={"example": "国办发明电〔2025〕7号"})
    issued = fields.Date()
    url = fields.String()
    holidays = fields.List(fields.Nested(HolidaySchema))
    working_weekend_days = fields.List(fields.Date(), metadata={"description": "调休上班"})
    entered_at = fields.DateTime(allow_none=True, metadata={
        "description": "null: from the data file of the release; a time: entered by an admin from the "
                       "notice (the review desk's 节假日安排, or `flask calendar add`), for a legal "
                       "reviewer to check against it"})
    entry_sha256 = fields.String(allow_none=True, metadata={
        "description": "An entered year: the SHA-256 of the entry counted with, which a correction names"})
    correction = fields.Integer(metadata={"description": "An entered year: how many times it was corrected"})
    corrected_at = fields.DateTime(allow_none=True, metadata={"description": "Its latest correction"})
    correction_reason = fields.String(allow_none=True, metadata={"description": "Why, as the admin said"})
    check = fields.Nested(CalendarCheckViewSchema, allow_none=True, metadata={
        "description": "An entered year: a legal reviewer's check of the entry counted with against its notice; "
                       "null: not checked (or corrected since)"})


def _year_view(n: workdays.Notice) -> dict:
    return {"year": n.year, "title": n.title, "number": n.number, "issued": n.issued, "url": n.url,
            "holidays": [{"name": name, "first": first, "last": last} for name, first, last in n.holidays],
            "working_weekend_days": list(n.working_weekend_days), "entered_at": n.entered_at,
            "entry_sha256": n.entry_sha256, "correction": n.correction, "corrected_at": n.corrected_at,
            "correction_reason": n.correction_reason, "check": None}


@blp.route("/calendar/years", methods=["GET"])
@blp.response(200, CalendarYearSchema(many=True))
@login_required
def list_calendar_years():
    """The years whose holidays are known, each with its notice; a date outside them is refused.
    An entered year says whether a legal reviewer checked it against the notice."""
    from .calendar_years.service import year_checks

    notices = workdays.known_years()
    checks = year_checks(notices)
    return [{**_year_view(n), "check": checks.get(n.year)} for n in notices]


_NAME = validate.Length(1, 40)


class NoticeEntrySchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(1, 200),
                          metadata={"example": "国务院办公厅关于2027年部分节假日安排的通知"})
    number = fields.String(required=True, validate=validate.Length(1, 100), metadata={"description": "文号"})
    issued = bounded_date(required=True, metadata={"description": "The notice's date"})
    url = fields.String(required=True, validate=validate.Length(1, 500),
                        metadata={"description": "The notice on www.gov.cn"})


class HolidayEntrySchema(StrictSchema):
    name = fields.String(required=True, validate=_NAME, metadata={"example": "春节"})
    first = bounded_date(required=True, data_key="from")
    last = bounded_date(required=True, data_key="to")


class WorkedDayEntrySchema(StrictSchema):
    date = bounded_date(required=True, metadata={"description": "A Saturday or Sunday worked (调休上班)"})
    holiday = fields.String(data_key="for", validate=_NAME, metadata={"description": "The holiday it is worked for"})


class CalendarEntrySchema(StrictSchema):
    """One year's arrangement as its notice gives it (the shape of server/data/cn-workdays.json)."""
    year = bounded_int(2000, 2200, required=True)
    notice = fields.Nested(NoticeEntrySchema, required=True)
    holidays = fields.List(fields.Nested(HolidayEntrySchema), required=True, validate=validate.Length(1, 40))
    working_weekend_days = fields.List(fields.Nested(WorkedDayEntrySchema), load_default=list,
                                       validate=validate.Length(max=40))


def _said(reason: str) -> None:
    if len(reason.strip()) < 2:
        raise ValidationError("请写明更正原因（至少 2 个字）。")


class CalendarCorrectionSchema(CalendarEntrySchema):
    """An entered year entered again, whole, as its notice gives it, and why."""
    reason = fields.String(required=True, validate=[validate.Length(max=500), _said], metadata={
        "description": "Why the year is corrected, e.g. which day was mistyped", "example": "春节结束日期录错"})
    corrects_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"), metadata={
        "description": "The `entry_sha256` of the year as the admin saw it: refused if it was corrected since"})


def _entry_of(args: dict) -> tuple[str, dict]:
    """The year and its entry in the data file's shape, dates as text: what is stored."""
    notice = args["notice"]
    return str(args["year"]), {
        "notice": {"title": notice["title"], "number": notice["number"],
                   "issued": notice["issued"].isoformat(), "url": notice["url"]},
        "holidays": [{"name": h["name"], "from": h["first"].isoformat(), "to": h["last"].isoformat()}
                     for h in args["holidays"]],
        "working_weekend_days": [{"date": w["date"].isoformat(), **({"for": w["holiday"]} if "holiday" in w else {})}
                                 for w in args["working_weekend_days"]]}


def _refused(error: workdays.EntryRefused) -> ApiError:
    """The admin's page shows `detail` (Chinese); `reason` says it in English for the logs."""
    return ApiError("calendar.entry_refused", error.zh, reason=str(error))


_FIELDS_WRONG = "request.validation: a field missing or wrong"


def _admin_entry(path: str, schema, *, stores: bool, refused: str):
    """An admin's POST of a year's entry: checked (`stores=False`: 200, in a reader transaction)
    or stored (201), the year as it is (or would be) counted with; EntryRefused is answered
    `422 calendar.entry_refused` in the admin's words, nothing stored."""
    def register(view):
        @wraps(view)
        def answer(*args, **kwargs):
            try:
                return _year_view(view(*args, **kwargs))
            except workdays.EntryRefused as error:
                raise _refused(error) from None

        stack = [blp.route(path, methods=["POST"]), *([] if stores else [db_mode(READER)]),
                 blp.arguments(schema), blp.response(201 if stores else 200, CalendarYearSchema),
                 blp.alt_response(422, description=f"calendar.entry_refused: {refused}; {_FIELDS_WRONG}"),
                 roles_required("admin")]
        for decorate in reversed(stack):
            answer = decorate(answer)
        return answer
    return register


@_admin_entry("/calendar/years/check", CalendarEntrySchema, stores=False,
              refused="not right, or the year is known already")
def check_calendar_year(args):
    """Check a year's arrangement as entering it would, and store nothing: the year as it would
    be counted with (admins)."""
    from .calendar_years.service import check_year

    return check_year(*_entry_of(args))


@_admin_entry("/calendar/years", CalendarEntrySchema, stores=True,
              refused="not right, or the year is known already (nothing stored)")
def enter_calendar_year(args):
    """Enter a year's holidays from its State Council notice (admins; audited; written once).
    Deadlines reaching the year are counted from then on, by every worker within a minute."""
    from .calendar_years.service import enter_year, forget_after_commit

    notice = enter_year(*_entry_of(args), actor_username=g.user.username)
    forget_after_commit()
    return notice


def _correcting(year: int, args: dict) -> tuple[str, dict]:
    if args["year"] != year:
        raise ApiError("calendar.entry_refused", f"更正的年份（{args['year']}）与所更正的年份（{year}）不一致。",
                       reason=f"the entry is of {args['year']}, the address of {year}")
    return _entry_of(args)


_CORRECTION = "/calendar/years/<int(min=2000, max=2200):year>/corrections"
_NOT_CORRECTED = "not right, not an entered year, the same as it is, or corrected since"


@_admin_entry(_CORRECTION + "/check", CalendarCorrectionSchema, stores=False, refused=_NOT_CORRECTED)
def check_calendar_correction(args, year):
    """Check a correction of an entered year as making it would, and store nothing (admins)."""
    from .calendar_years.service import check_correction

    return check_correction(*_correcting(year, args), corrects_sha256=args["corrects_sha256"])


@_admin_entry(_CORRECTION, CalendarCorrectionSchema, stores=True, refused=_NOT_CORRECTED + " (nothing stored)")
def correct_calendar_year(args, year):
    """Correct a year an admin entered, by entering it again whole, with the reason (admins;
    audited; the entry it replaces stays stored). Deadlines are counted with the correction from
    then on, by every worker within a minute; steps already taken stay as they were."""
    from .calendar_years.service import correct_year, forget_after_commit

    notice = correct_year(*_correcting(year, args), reason=args["reason"].strip(),
                          corrects_sha256=args["corrects_sha256"], actor_username=g.user.username)
    forget_after_commit()
    return notice


class DeadlineQuerySchema(StrictSchema):
    start = bounded_date(required=True, metadata={"description": "The day of the event (not counted)"})
    days = bounded_int(1, 3650, required=True)
    unit = fields.String(load_default="working_days",
                         validate=validate.OneOf(["working_days", "calendar_days"]),
                         metadata={"description": "working_days: the n-th working day after start; "
                                   "calendar_days: start + n, moved to the next working day "
                                   "when it is a rest day or holiday (《民法典》第二百零三条)"})


class DeadlineSchema(Schema):
    start = fields.Date()
    days = fields.Integer()
    unit = fields.String()
    last_day = fields.Date(metadata={"description": "The last day of the period"})


@blp.route("/calendar/deadline", methods=["GET"])
@blp.arguments(DeadlineQuerySchema, location="query")
@blp.response(200, DeadlineSchema)
@blp.alt_response(422, description="calendar.year_unknown: the period reaches a year not known")
@login_required
def compute_deadline(args):
    """The last day of a period of `days` from `start`, on the official calendar."""
    if args["unit"] == "working_days":
        last = workdays.add_working_days(args["start"], args["days"])
    else:
        last = workdays.add_calendar_days_with_holiday_extension(args["start"], args["days"])
    return {**args, "last_day": last}


class CalendarCheckSchema(StrictSchema):
    """A legal reviewer's check of an entered year against its notice."""
    entry_sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"), metadata={
        "description": "The `entry_sha256` of the year as the reviewer saw it: refused if it was corrected since"})
    verdict = fields.String(required=True, validate=validate.OneOf(["confirmed", "wrong"]), metadata={
        "description": "confirmed: 核对无误; wrong: 有误, saying what in `note`"})
    note = fields.String(load_default=None, validate=validate.Length(max=500))

    @validates_schema
    def _wrong_says_what(self, data, **_kwargs):
        if data.get("verdict") == "wrong" and len((data.get("note") or "").strip()) < 2:
            raise ValidationError("请写明哪一项与通知原文不符。", field_name="note")


@blp.route("/calendar/years/<int(min=2000, max=2200):year>/checks", methods=["POST"])
@blp.arguments(CalendarCheckSchema)
@blp.response(201, CalendarYearSchema)
@blp.alt_response(422, description="calendar.check_refused: not an entered year, corrected since, or entered "
                                   "or last corrected by the reviewer; " + _FIELDS_WRONG)
@roles_required("legal_reviewer")
def check_calendar_year_against_notice(args, year):
    """A legal reviewer checks an entered year against its notice: 核对无误, or 有误 saying what
    (audited; written once). A correction after it leaves the year unchecked again."""
    from .calendar_years.service import check_against_notice

    note = (args["note"] or "").strip() or None
    try:
        notice, check = check_against_notice(year, entry_sha256=args["entry_sha256"], verdict=args["verdict"],
                                             note=note, reviewer_username=g.user.username)
    except workdays.EntryRefused as error:
        raise ApiError("calendar.check_refused", error.zh, reason=str(error)) from None
    return {**_year_view(notice), "check": check}


def _year_unknown(error: workdays.CalendarYearUnknown):
    status, title, _detail = CATALOG["calendar.year_unknown"]
    known = [n.year for n in workdays.known_years()]
    return problem_response("calendar.year_unknown", status, title, str(error),
                            extra={"year": error.year, "known_years": known})


calendar_cli = AppGroup("calendar", help="The official working-day calendar (server/data/cn-workdays.json).")


@calendar_cli.command("years")
def list_years():
    """The years whose holidays are known, each with its notice."""
    for n in workdays.known_years():
        entered = f"  entered {n.entered_at:%Y-%m-%d %H:%M} UTC" if n.entered_at else ""
        if n.correction:
            entered += f", correction {n.correction} {n.corrected_at:%Y-%m-%d %H:%M} UTC: {n.correction_reason}"
        click.echo(f"{n.year}  {n.number}  {n.issued}  {n.url}{entered}")
    click.echo("Dates in other years are refused; add a year from its notice when it is published "
               "(flask --app server calendar add FILE).")


@calendar_cli.command("add")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def add_years(file):
    """Enter the year(s) of FILE (JSON, the shape of server/data/cn-workdays.json), typed from the
    State Council General Office's notice: stored once, with an audit entry."""
    from .calendar_years.service import enter_years, forget_entered
    from .extensions import db

    try:
        notices = enter_years(file.read())
    except ValueError as error:  # EntryRefused, or not JSON
        db.session.rollback()
        raise click.ClickException(f"nothing entered: {error}") from None
    db.session.commit()
    forget_entered()
    for n in notices:
        click.echo(f"entered {n.year}  {n.number}  {n.issued}  {len(n.holidays)} holidays, "
                   f"{len(n.working_weekend_days)} worked weekend days")
    click.echo("Deadlines reaching these years are counted from now on (each worker within a minute). "
               "Have a legal reviewer check them against the notice.")


def init_app(app: Flask) -> None:
    """Register the calendar's API and CLI; answer a deadline beyond the known years, wherever it
    is computed, as problem+json."""
    from .extensions import api

    api.register_blueprint(blp)
    app.register_error_handler(workdays.CalendarYearUnknown, _year_unknown)
    app.cli.add_command(calendar_cli)
