"""Every form version the server ever published, with its content hash: append-only.

A record names (form_id, version); this table keeps that version's content for ever, even after
its file leaves forms/, and lets the server refuse to start when a published file was edited.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import JSONDocument, UTCDateTime
from ..extensions import db


class PublishedFormVersion(db.Model):
    __tablename__ = "form_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(sa.String(48), nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # SHA-256 (hex) of the expanded document as canonical JSON (loader.content_hash).
    content_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    domain: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    # The form file with its includes expanded, exactly what content_hash covers.
    document: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    source: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("form_id", "version", name="uq_form_versions_form_id_version"),
        sa.CheckConstraint("version >= 1", name="ck_form_versions_version_positive"),
        sa.CheckConstraint("length(content_hash) = 64", name="ck_form_versions_hash_length"),
    )
