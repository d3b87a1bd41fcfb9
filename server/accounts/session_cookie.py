"""The session cookie: Flask's signed cookie, renewed (sliding) at most once a minute.

Flask re-signs a permanent session's cookie on every request (SESSION_REFRESH_EACH_REQUEST), so
that the idle lifetime slides; signing compresses the payload, and zlib's set-up alone cost a
sync request about 0.5 ms of CPU. Here a cookie is re-signed only when its signature is older
than SESSION_RENEW_SECONDS (or when the session changed): the idle lifetime still slides,
SESSION_RENEW_SECONDS coarser at most. Nothing else changes: the signature's age is still
checked on every request (itsdangerous `max_age`), and the server-side row still gives the
absolute lifetime and revocation (accounts/service.py).
"""
from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer


class SignedSession(SecureCookieSession):
    #: when the cookie that opened this session was signed (UNIX seconds); None for a new one
    signed_at: float | None = None


class RenewingSessionInterface(SecureCookieSessionInterface):
    session_class = SignedSession

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Built once per key set, not twice per request.
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request) -> SignedSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True)
        except BadSignature:  # forged, or idle for longer than the lifetime (SignatureExpired)
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at.timestamp()
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or time.time() - signed_at >= app.config["SESSION_RENEW_SECONDS"]
