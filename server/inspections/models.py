"""Inspection records (one row per submitted revision), their officers and expected evidence.

Nothing submitted is overwritten: an amendment is a new row naming the one it replaces. The
database guards the states: statuses are a CHECK constraint, an `incomplete` record has evidence
missing, and a record that is `complete` or later has every piece of evidence it listed.

`Evidence` (a file the record lists) lives here rather than in `evidence/models.py`: the record
declares its evidence when it syncs, so `inspections` creates these rows, checks them and counts
them in its CHECKs, and `inspections` must not import `evidence`, the layer above it. The
evidence feature owns the bytes and the uploads (`evidence/models.py`) and marks rows received.
"""
from __future__ import annotations

import uuid as uuidlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

STATUSES = ("incomplete", "complete", "in_review", "approved", "returned")
SUBJECT_KINDS = ("vehicle", "ship", "business", "site", "person")
# The legal reviewer's opinion on a major decision: 同意, 不同意, 补充材料.
LEGAL_OPINIONS = ("agree", "disagree", "more_evidence")


def count_failed_checks(answers) -> int:
    """Check items answered 不符合 in a record's answers (repeats included)."""
    if isinstance(answers, dict):
        if answers.get("result") == "fail" and set(answers) <= {"result", "note", "photos"}:
            return 1
        return sum(count_failed_checks(v) for v in answers.values() if isinstance(v, (dict, list)))
    if isinstance(answers, list):
        return sum(count_failed_checks(v) for v in answers if isinstance(v, (dict, list)))
    return 0


class Inspection(db.Model):
    __tablename__ = "inspections"

    # The client-generated UUID: the idempotency key of the sync, kept forever.
    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, primary_key=True)
    # The first revision's UUID: the identity of the inspection across amendments.
    root_uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, nullable=False, index=True)
    revision: Mapped[int] = mapped_column(nullable=False)
    replaces_uuid: Mapped[uuidlib.UUID | None] = mapped_column(
        sa.ForeignKey("inspections.uuid"), unique=True)
    amendment_reason: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, index=True)

    form_id: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    form_version: Mapped[int] = mapped_column(nullable=False)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    # The submitting officer's team when the record arrived: whose supervisor reviews it.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)

    subject_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    subject_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # plate, ship, business…
    subject_code: Mapped[str | None] = mapped_column(sa.String(64))  # credit code, licence no.
    subject_description: Mapped[str | None] = mapped_column(sa.Text)
    place_latitude: Mapped[float | None] = mapped_column(sa.Float)
    place_longitude: Mapped[float | None] = mapped_column(sa.Float)
    place_accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    place_address: Mapped[str | None] = mapped_column(sa.String(300))

    # Device clock: when the inspection started and finished, as the phone saw it.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    answers: Mapped[dict] = mapped_column(JSONDocument, nullable=False)
    computed: Mapped[dict] = mapped_column(JSONDocument, nullable=False, default=dict)
    device_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    app_version: Mapped[str] = mapped_column(sa.String(40), nullable=False)

    # Server clock: when the record arrived, and the device clock's offset observed then
    # (device time minus server time, in milliseconds; null when the device did not say).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    device_clock_offset_ms: Mapped[int | None] = mapped_column(sa.BigInteger)
    # SHA-256 of the record as sent (canonical JSON): the same UUID with other content is a conflict.
    content_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    # Every evidence UUID the record lists, including files carried over from the revision it
    # replaces (whose rows belong to that revision).
    evidence_uuids: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    evidence_expected: Mapped[int] = mapped_column(nullable=False, default=0)
    evidence_received: Mapped[int] = mapped_column(nullable=False, default=0)
    # Set when a supervisor sends the record to legal review (a major decision, 重大执法决定),
    # with the reason and the day the opinion is due; the legal reviewer's opinion once given.
    legal_review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    major_decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    legal_review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legal_opinion: Mapped[str | None] = mapped_column(sa.String(16))
    # The supervisor's comment when returning this revision to the officer, overall and per item.
    return_comment: Mapped[str | None] = mapped_column(sa.Text)
    return_item_comments: Mapped[dict | None] = mapped_column(JSONDocument)
    # Check items answered 不符合 (fail): what the review queue's "findings" filter reads.
    failed_checks: Mapped[int] = mapped_column(nullable=False, default=0)

    submitted_by = relationship("User", lazy="joined", foreign_keys=[submitted_by_id])
    team = relationship("Team", lazy="joined")
    officers: Mapped[list[InspectionOfficer]] = relationship(
        back_populates="inspection", cascade="all, delete-orphan", lazy="selectin",
        order_by="InspectionOfficer.position")
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="inspection", lazy="selectin", order_by="Evidence.position")

    __table_args__ = (
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_inspections_status"),
        sa.CheckConstraint(f"subject_kind IN {SUBJECT_KINDS!r}", name="ck_inspections_subject_kind"),
        sa.CheckConstraint("finished_at >= started_at", name="ck_inspections_times"),
        sa.CheckConstraint("revision >= 1", name="ck_inspections_revision"),
        sa.CheckConstraint("(revision = 1) = (replaces_uuid IS NULL)", name="ck_inspections_replaces"),
        sa.CheckConstraint("replaces_uuid IS NULL OR amendment_reason IS NOT NULL",
                           name="ck_inspections_amendment_reason"),
        sa.CheckConstraint("evidence_received >= 0 AND evidence_received <= evidence_expected",
                           name="ck_inspections_evidence_counts"),
        sa.CheckConstraint("(status = 'incomplete') = (evidence_received < evidence_expected)",
                           name="ck_inspections_incomplete"),
        # Review states (server/review/): a returned revision says why; a major decision names its
        # reason and deadline; `in_review` waits for the legal opinion; a major decision is
        # approved only after the legal reviewer agreed.
        sa.CheckConstraint("(status = 'returned') = (return_comment IS NOT NULL)",
                           name="ck_inspections_return_comment"),
        sa.CheckConstraint("(legal_review_requested_at IS NULL) = (major_decision_reason IS NULL)",
                           name="ck_inspections_major_reason"),
        sa.CheckConstraint("(legal_review_requested_at IS NULL) = (legal_review_due_at IS NULL)",
                           name="ck_inspections_legal_due"),
        sa.CheckConstraint(f"legal_opinion IS NULL OR (legal_opinion IN {LEGAL_OPINIONS!r} "
                           "AND legal_review_requested_at IS NOT NULL)", name="ck_inspections_opinion"),
        sa.CheckConstraint("status <> 'in_review' OR (legal_review_requested_at IS NOT NULL "
                           "AND legal_opinion IS NULL)", name="ck_inspections_in_review"),
        sa.CheckConstraint("status <> 'approved' OR legal_review_requested_at IS NULL "
                           "OR legal_opinion = 'agree'", name="ck_inspections_approved_major"),
        sa.UniqueConstraint("root_uuid", "revision", name="uq_inspections_root_revision"),
        sa.Index("ix_inspections_received_uuid", "received_at", "uuid"),
    )

    @property
    def revisions(self) -> list[Inspection]:
        """Every revision of this inspection, first to last."""
        return list(db.session.execute(
            sa.select(Inspection).where(Inspection.root_uuid == self.root_uuid)
            .order_by(Inspection.revision)).scalars())

    @property
    def evidence_files(self) -> list[Evidence]:
        """Every file this revision lists: its own and those carried over, in listed order."""
        own = {str(e.uuid): e for e in self.evidence}
        carried = [u for u in self.evidence_uuids if u not in own]
        if carried:
            own.update((str(e.uuid), e) for e in db.session.execute(
                sa.select(Evidence).where(Evidence.uuid.in_([uuidlib.UUID(u) for u in carried]))).scalars())
        return [own[u] for u in self.evidence_uuids if u in own]

    @property
    def missing_evidence(self) -> list[uuidlib.UUID]:
        return [e.uuid for e in self.evidence if e.received_at is None]


class InspectionOfficer(db.Model):
    """An officer who took part, with the certificate number shown on site (表明身份)."""

    __tablename__ = "inspection_officers"

    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(
        sa.ForeignKey("inspections.uuid"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(nullable=False)  # 0: the submitting officer
    certificate_number: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    inspection: Mapped[Inspection] = relationship(back_populates="officers")
    user = relationship("User", lazy="joined")


class Evidence(db.Model):
    """A file a record says it has (photo, audio, video, signature), and whether it arrived.

    The row is written when the record syncs (`received_at` null: expected); the evidence store
    sets `received_at` and the stored file's facts when the upload completes and its SHA-256
    matches `sha256`, in the same transaction.
    """

    __tablename__ = "evidence"

    uuid: Mapped[uuidlib.UUID] = mapped_column(sa.Uuid, primary_key=True)
    inspection_uuid: Mapped[uuidlib.UUID] = mapped_column(
        sa.ForeignKey("inspections.uuid"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(nullable=False)
    item_id: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    # Not indexed: nothing reads evidence by its declared hash, and a random key cost each
    # sync's write more than the rest of it (migration 0029).
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    media_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # device clock
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # server clock

    inspection: Mapped[Inspection] = relationship(back_populates="evidence")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="ck_evidence_size"),
        sa.CheckConstraint("length(sha256) = 64", name="ck_evidence_sha256"),
    )

