"""What may enter and leave the accounts API."""
from __future__ import annotations

import flask
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..schemas import StrictSchema, bounded_date
from .models import ROLES

USERNAME = validate.Regexp(r"^[a-z0-9][a-z0-9_.-]{1,63}$",
                           error="用户名为 2–64 位小写字母、数字、点、下划线或连字符。")


class LoginSchema(StrictSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class TeamSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)


class CertificateSchema(Schema):
    number = fields.String(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    state = fields.String(dump_only=True, metadata={
        "description": "valid, missing, expired or not_yet_valid (today, Asia/Shanghai)"})


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    roles = fields.List(fields.String(), dump_only=True)
    team = fields.Nested(TeamSchema, allow_none=True, dump_only=True)
    certificate = fields.Method("_certificate", dump_only=True)
    active = fields.Boolean(attribute="is_active", dump_only=True)

    def _certificate(self, user):
        return CertificateSchema().dump({
            "number": user.certificate_number, "valid_from": user.certificate_valid_from,
            "valid_until": user.certificate_valid_until, "state": user.certificate_state()})


class SessionSchema(Schema):
    user = fields.Nested(UserSchema, dump_only=True)
    csrf_token = fields.String(dump_only=True)


class MeSchema(UserSchema):
    # The session's CSRF token, so that a reloaded app can send state-changing requests.
    csrf_token = fields.Function(lambda user: flask.session.get("csrf"), dump_only=True)


class OfficerSchema(Schema):
    """What any colleague may see of an officer (to pick co-officers)."""

    id = fields.Integer(dump_only=True)
    username = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    team = fields.Nested(TeamSchema, allow_none=True, dump_only=True)
    certificate_number = fields.String(dump_only=True)
    certificate_state = fields.Method("_state", dump_only=True)

    def _state(self, user):
        return user.certificate_state()


class CertificateInSchema(StrictSchema):
    number = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=64))
    valid_from = bounded_date(required=True, allow_none=True)
    valid_until = bounded_date(required=True, allow_none=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("number") and not data.get("valid_until"):
            raise ValidationError("请填写执法证有效期截止日期。", "valid_until")
        vf, vu = data.get("valid_from"), data.get("valid_until")
        if vf and vu and vu < vf:
            raise ValidationError("有效期截止日期不能早于起始日期。", "valid_until")


class UserCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    team = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    certificate = fields.Nested(CertificateInSchema)


class UserUpdateSchema(StrictSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    team = fields.String(allow_none=True, validate=validate.Length(min=1, max=32))
    active = fields.Boolean()


class PasswordSchema(StrictSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class TeamCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TeamOutSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
