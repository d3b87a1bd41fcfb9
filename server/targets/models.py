"""Targets (检查对象) and the history of their credit class.

Contract (read by the draw, server/draws/):
- `Target.id` is the stable row id; `(key_kind, key)` is the stable natural key: the 统一社会信用代码
  for businesses, the plate (车牌号) for vehicles, the ship identification number (船舶识别号) for
  ships (KEY_KIND_OF_CATEGORY). Keys are stored normalised (upper case, no spaces). One business is
  one target, whatever it holds licences for.
- `category` is one of CATEGORIES; `credit_class` one of CREDIT_CLASSES, never null; the class's
  history is `TargetCreditClass` (append-only), the current class is on the target with
  `credit_class_since` (the effective date of the latest change).
- `items`: the supervision items (抽查事项) that apply: form ids of forms/ (a form is the
  checklist of one 抽查事项; its `domain` is the 执法类别 an officer's certificate must cover:
  `Target.domains()`).
- `area_code` (行政区划代码, 6/9/12 digits) and `area_name`: the draw's area scope.
- `retired_at`: set when a target leaves the directory; the draw skips retired targets.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import JSONDocument, UTCDateTime
from ..extensions import db

# category code -> zh-CN label (the import accepts either).
CATEGORIES = {
    "road_transport": "道路运输经营者",
    "dangerous_goods_transport": "危险货物道路运输企业",
    "vehicle_repair": "机动车维修经营者",
    "driving_school": "机动车驾驶员培训机构",
    "port_shipping": "港口航运企业",
    "road_works": "公路施工单位",
    "vehicle": "车辆",
    "ship": "船舶",
}
KEY_KINDS = {"credit_code": "统一社会信用代码", "plate": "车牌号", "ship_id": "船舶识别号"}
KEY_KIND_OF_CATEGORY = {code: "credit_code" for code in CATEGORIES} | {
    "vehicle": "plate", "ship": "ship_id"}
# 交通运输信用评价等级: A 优良, B 合格, C 基本合格, D 不合格 (server/targets/codes.py cites it).
CREDIT_CLASSES = {"A": "A级（优良）", "B": "B级（合格）", "C": "C级（基本合格）", "D": "D级（不合格）"}
BUSINESS_CATEGORIES = tuple(c for c, k in KEY_KIND_OF_CATEGORY.items() if k == "credit_code")


class Target(db.Model):
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(32), nullable=False, index=True)
    key_kind: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    # The business's credit code; for a vehicle or ship, its operator's (optional).
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    licence_numbers: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    area_code: Mapped[str | None] = mapped_column(sa.String(12), index=True)
    area_name: Mapped[str | None] = mapped_column(sa.String(100))
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    credit_class: Mapped[str] = mapped_column(sa.String(1), nullable=False)
    credit_class_since: Mapped[date] = mapped_column(sa.Date, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[TargetItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="TargetItem.form_id")

    __table_args__ = (
        sa.UniqueConstraint("key_kind", "key", name="uq_targets_key"),
        sa.CheckConstraint(f"category IN {tuple(CATEGORIES)!r}", name="ck_targets_category"),
        sa.CheckConstraint(f"credit_class IN {tuple(CREDIT_CLASSES)!r}", name="ck_targets_credit_class"),
        sa.CheckConstraint(
            "(key_kind = 'plate' AND category = 'vehicle') OR (key_kind = 'ship_id' AND category = 'ship') "
            f"OR (key_kind = 'credit_code' AND category IN {BUSINESS_CATEGORIES!r} AND credit_code = key)",
            name="ck_targets_key_kind"),
        sa.CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="ck_targets_coordinates"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90 "
                           "AND longitude BETWEEN -180 AND 180)", name="ck_targets_coordinate_range"),
    )

    @property
    def form_ids(self) -> list[str]:
        return [item.form_id for item in self.items]


class TargetItem(db.Model):
    """A supervision item (抽查事项, named by its form id) that applies to a target."""

    __tablename__ = "target_items"

    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id"), primary_key=True)
    form_id: Mapped[str] = mapped_column(sa.String(48), primary_key=True, index=True)


class TargetCreditClass(db.Model):
    """One credit class of a target from its effective date (append-only; the audit entry
    `target.credit_class_set` with `audit_seq` vouches for it)."""

    __tablename__ = "target_credit_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id"), nullable=False, index=True)
    credit_class: Mapped[str] = mapped_column(sa.String(1), nullable=False)
    effective_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    # Where it came from: "import:<sha256 of the file>" or "manual".
    source: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        sa.CheckConstraint(f"credit_class IN {tuple(CREDIT_CLASSES)!r}",
                           name="ck_target_credit_classes_class"),
    )


class InspectionTarget(db.Model):
    """The target an inspection record names (set at sync, never changed), and the reason the
    officer gave for inspecting it again within the window (防止执法扰民)."""

    __tablename__ = "inspection_targets"

    inspection_uuid = mapped_column(sa.Uuid, sa.ForeignKey("inspections.uuid"), primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("targets.id"), nullable=False, index=True)
    revisit_reason: Mapped[str | None] = mapped_column(sa.Text)
    # UUIDs of the inspections of this target within the window when the record arrived.
    recent_inspections: Mapped[list] = mapped_column(JSONDocument, nullable=False, default=list)
