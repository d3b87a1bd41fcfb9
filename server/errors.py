"""Problem details (RFC 9457) for every API error, and the catalog of stable error codes.

Clients branch on `code` (e.g. `auth.invalid_credentials`), never on the text. Each code has an
HTTP status, an English `title` and a zh-CN `detail` that tells the user what to do.
"""
from __future__ import annotations

import re

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE_BASE = "https://fieldcase.invalid/problems/"

# code -> (status, title, zh-CN detail a user can act on)
CATALOG: dict[str, tuple[int, str, str]] = {
    "request.invalid": (400, "Bad request", "请求无效，请检查后重试。"),
    "request.body_empty": (400, "Empty request body", "请求内容为空，请填写后重新提交。"),
    "request.invalid_json": (400, "Malformed JSON", "请求内容不是有效的 JSON，请检查格式后重试。"),
    "request.not_json": (415, "JSON required", "请求内容必须是 JSON（Content-Type: application/json）。"),
    "request.unsupported_media_type": (415, "Unsupported media type", "不支持的内容类型。"),
    "request.too_large": (413, "Request too large", "请求内容过大，请减少内容后分批提交。"),
    "request.validation": (422, "Validation failed", "提交的内容有误，请按提示逐项修改。"),
    "request.method_not_allowed": (405, "Method not allowed", "不支持该请求方法。"),
    "request.not_found": (404, "Not found", "请求的内容不存在或您无权查看。"),
    "request.conflict": (409, "Conflict", "数据已被修改，请刷新后重试。"),
    "request.precondition_failed": (412, "Precondition failed", "数据已变化，请刷新后重试。"),
    "request.uri_too_long": (414, "URI too long", "请求地址过长，请减少查询条件（如一次查询的编号数量）后重试。"),
    "request.headers_too_large": (431, "Request headers too large", "请求头过大或过多，请清除浏览器中本站的 Cookie 后重试。"),
    "request.range_not_satisfiable": (416, "Range not satisfiable", "请求的字节范围超出文件大小，请重新下载整个文件。"),
    "auth.required": (401, "Login required", "请先登录。登录已过期时请重新登录，未同步的数据不会丢失。"),
    "auth.invalid_credentials": (401, "Invalid credentials", "用户名或密码错误，请重新输入。"),
    "auth.account_disabled": (403, "Account disabled", "该账号已停用，请联系管理员。"),
    "auth.account_locked": (429, "Account temporarily locked", "登录失败次数过多，账号已临时锁定，请稍后再试或联系管理员。"),
    "auth.address_throttled": (429, "Too many attempts", "该设备登录尝试过于频繁，请稍后再试。"),
    "auth.csrf_failed": (403, "CSRF token missing or wrong", "安全校验失败（CSRF），请刷新页面或重新登录后重试。"),
    "auth.forbidden": (403, "Forbidden", "您没有执行此操作的权限。"),
    "account.username_taken": (409, "Username taken", "该用户名已被使用，请换一个。"),
    "account.team_not_found": (422, "Unknown team", "所填中队不存在，请先创建该中队或检查代码。"),
    "account.team_exists": (409, "Team exists", "该中队代码已存在。"),
    "account.weak_password": (422, "Weak password", "密码至少 10 位，且不能与用户名相同。"),
    "server.error": (500, "Internal server error", "服务器内部错误，数据未被修改。请稍后重试，如持续出现请联系管理员。"),
    "server.unavailable": (503, "Service unavailable", "服务暂时不可用，请稍后重试。"),
}

_STATUS_CODES = {
    400: "request.invalid",
    401: "auth.required",
    403: "auth.forbidden",
    404: "request.not_found",
    405: "request.method_not_allowed",
    409: "request.conflict",
    412: "request.precondition_failed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    414: "request.uri_too_long",
    416: "request.range_not_satisfiable",
    431: "request.headers_too_large",
    422: "request.validation",
    500: "server.error",
    503: "server.unavailable",
}

# marshmallow's English field messages, as a user of the zh-CN interface reads them.
_FIELD_MESSAGES = {
    "Missing data for required field.": "此项必填。",
    "Unknown field.": "不认识的字段，请删除。",
    "Field may not be null.": "此项不能为空。",
    "Not a valid string.": "应为文本。",
    "Not a valid integer.": "应为整数。",
    "Not a valid number.": "应为数字。",
    "Not a valid boolean.": "应为是或否（true/false）。",
    "Not a valid list.": "应为列表。",
    "Not a valid mapping type.": "应为对象。",
    "Not a valid date.": "应为日期（YYYY-MM-DD）。",
    "Not a valid datetime.": "应为带时区的日期时间（ISO 8601）。",
    "Not a valid UUID.": "应为 UUID。",
    "Invalid input type.": "类型不正确。",
}


def code_for_status(status: int) -> str:
    """The catalog code for an error known only by its HTTP status (a server error for 5xx)."""
    return _STATUS_CODES.get(status) or ("server.error" if status >= 500 else "request.invalid")


def register_codes(codes: dict[str, tuple[int, str, str]]) -> None:
    """Add a feature's error codes to the catalog (each code once)."""
    for code in codes:
        if code in CATALOG:
            raise ValueError(f"error code {code} registered twice")
    CATALOG.update(codes)


class ApiError(Exception):
    """An error the API answers with as problem+json; `code` is looked up in CATALOG."""

    def __init__(self, code: str, detail: str | None = None, *, status: int | None = None,
                 errors: dict | None = None, headers: dict | None = None, **extra) -> None:
        cat_status, title, cat_detail = CATALOG[code]
        super().__init__(detail or cat_detail)
        self.code = code
        self.status = status or cat_status
        self.title = title
        self.detail = detail or cat_detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def translate_field_messages(messages):
    """marshmallow error messages (nested dicts/lists of strings) in zh-CN."""
    if isinstance(messages, dict):
        return {k: translate_field_messages(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [translate_field_messages(m) for m in messages]
    if isinstance(messages, str):
        return _FIELD_MESSAGES.get(messages) or _translate_pattern(messages)
    return messages


# marshmallow's validators' messages that carry values (validate.Range, Length, OneOf, Regexp).
_FIELD_PATTERNS = [(re.compile(pattern), template) for pattern, template in (
    (r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$", "应在 {0} 到 {1} 之间。"),
    (r"^Must be greater than (.+) and less than (.+)\.$", "应大于 {0} 且小于 {1}。"),
    (r"^Must be greater than or equal to (.+)\.$", "应不小于 {0}。"),
    (r"^Must be less than or equal to (.+)\.$", "应不大于 {0}。"),
    (r"^Must be greater than (.+)\.$", "应大于 {0}。"),
    (r"^Must be less than (.+)\.$", "应小于 {0}。"),
    (r"^Shorter than minimum length (\d+)\.$", "长度至少为 {0}。"),
    (r"^Longer than maximum length (\d+)\.$", "长度最多为 {0}。"),
    (r"^Length must be between (\d+) and (\d+)\.$", "长度应在 {0} 到 {1} 之间。"),
    (r"^Length must be (\d+)\.$", "长度应为 {0}。"),
    (r"^Must be one of: (.+)\.$", "应为以下之一：{0}。"),
    (r"^String does not match expected pattern\.$", "格式不正确。"),
    (r"^Not a valid email address\.$", "应为电子邮件地址。"),
)]


def _translate_pattern(message: str) -> str:
    for pattern, template in _FIELD_PATTERNS:
        match = pattern.match(message)
        if match:
            return template.format(*match.groups())
    return message


def problem_response(code: str, status: int, title: str, detail: str, errors=None,
                     headers=None, extra=None):
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": request.path,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _from_api_error(error: ApiError):
    return problem_response(error.code, error.status, error.title, error.detail,
                            error.errors, error.headers, error.extra)


def _from_http_exception(error: HTTPException):
    code = code_for_status(error.code or 500)
    status, title, detail = CATALOG[code]
    status = error.code or status
    errors = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")  # webargs/flask-smorest validation errors
    if messages:
        # flattened per location: {"json": {...}} -> {...}
        merged: dict = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                merged.update(location_errors)
        errors = translate_field_messages(merged or messages)
    # The exception's own headers (Allow on a 405, Content-Range on a 416), not its HTML type.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return problem_response(code, status, title, detail, errors, headers)


def _from_unexpected(error: Exception):
    from flask import current_app

    from .extensions import db

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    status, title, detail = CATALOG["server.error"]
    return problem_response("server.error", status, title, detail)


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _from_api_error)
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(Exception, _from_unexpected)
