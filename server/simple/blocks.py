"""Blocks of 当场行政处罚决定书 numbers for phones, and how every number of a year is accounted for.

A phone asks for a block while online (`reserve_block`): the numbers are taken from the type's
yearly counter one by one in the writer's transaction (the counter only ever moves by one), so
they are never handed out twice, nor to any other document. The phone uses them offline, in
order. A number of a block ends in exactly one of three ways, so the year's sequence never skips
silently (`number_ledger`):
- used: an on-the-spot decision synced with it (its document carries the number);
- voided (作废): the block was returned by the phone (`return_block`: the officer signs out, the
  phone is handed over, or a fresh block replaces a stale one), or the year ended
  (`close_year`, `flask --app server simple close-year YEAR` after 31 December): each number no
  decision used is recorded in `voided_numbers` with the reason, audited;
- still reserved: the block is open, on a phone (the ledger names the device).
A decision naming a voided number is refused: the number was declared unused.
"""
from __future__ import annotations

import uuid as uuidlib

import sqlalchemy as sa
from flask import current_app

from ..accounts.models import User
from ..audit.service import record_event
from ..clock import local_today, utcnow
from ..database import serialize_on
from ..documents.models import Document
from ..documents.service import document_number, take_serial
from ..documents.types import get_type
from ..errors import ApiError
from ..extensions import db
from .models import CLOSE_REASON_LABELS, DOC_TYPE, NumberBlock, SimpleDecision, VoidedNumber

MAX_OPEN_BLOCKS = 2  # per device: one in use and the next, fetched while running low


def open_blocks(device_id: str, user: User) -> list[NumberBlock]:
    """The device's open blocks reserved for `user`, oldest first."""
    return list(db.session.execute(sa.select(NumberBlock).where(
        NumberBlock.device_id == device_id, NumberBlock.user_id == user.id,
        NumberBlock.closed_at.is_(None)).order_by(NumberBlock.id)).scalars())


def reserve_block(user: User, device_id: str, size: int) -> NumberBlock:
    """Reserve `size` consecutive numbers of this year for `user` on `device_id` (audited)."""
    serialize_on("number_block", f"{user.id}/{device_id}")  # two reserves at once count each other
    if len([b for b in open_blocks(device_id, user) if b.year == local_today().year]) >= MAX_OPEN_BLOCKS:
        raise ApiError("number_block.too_many")
    year = local_today().year
    serials = [take_serial(DOC_TYPE, year) for _ in range(size)]
    block = NumberBlock(uuid=uuidlib.uuid4(), doc_type=DOC_TYPE, year=year, first_serial=serials[0],
                        last_serial=serials[-1], device_id=device_id, user_id=user.id,
                        reserved_at=utcnow())
    db.session.add(block)
    db.session.flush()
    record_event("number_block.reserved", actor=user, object_type="number_block",
                 object_id=str(block.uuid), details=block_facts(block))
    return block


def block_facts(block: NumberBlock) -> dict:
    return {"doc_type": block.doc_type, "year": block.year, "first_serial": block.first_serial,
            "last_serial": block.last_serial, "device_id": block.device_id, "user_id": block.user_id}


def describe_block(block: NumberBlock) -> dict:
    """What the phone needs to number decisions offline."""
    prefix = current_app.config["DOCUMENT_NUMBER_PREFIX"] + get_type(DOC_TYPE).abbrev
    used = set(db.session.execute(sa.select(SimpleDecision.serial).where(
        SimpleDecision.block_id == block.id)).scalars())
    return {"uuid": block.uuid, "doc_type": block.doc_type, "year": block.year,
            "first_serial": block.first_serial, "last_serial": block.last_serial,
            "device_id": block.device_id, "prefix": prefix, "reserved_at": block.reserved_at,
            "closed_at": block.closed_at, "closed_reason": block.closed_reason,
            "used_serials": sorted(used),
            "example": document_number(get_type(DOC_TYPE).abbrev, block.year, block.first_serial)}


def _void_unused(block: NumberBlock, reason: str) -> list[int]:
    used = set(db.session.execute(sa.select(Document.serial).where(
        Document.doc_type == block.doc_type, Document.year == block.year,
        Document.serial.between(block.first_serial, block.last_serial))).scalars())
    unused = [s for s in range(block.first_serial, block.last_serial + 1) if s not in used]
    now = utcnow()
    for serial in unused:
        db.session.add(VoidedNumber(doc_type=block.doc_type, year=block.year, serial=serial,
                                    block_id=block.id, reason=reason, voided_at=now))
    changed = db.session.execute(sa.update(NumberBlock).where(
        NumberBlock.id == block.id, NumberBlock.closed_at.is_(None)).values(
        closed_at=now, closed_reason=reason).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ApiError("number_block.closed")
    db.session.flush()
    db.session.refresh(block)
    return unused


def return_block(user: User, device_id: str, block_uuid) -> tuple[NumberBlock, list[int]]:
    """The phone gives a block back: its unused numbers are voided (作废), audited."""
    block = db.session.execute(sa.select(NumberBlock).where(NumberBlock.uuid == block_uuid)).scalar()
    if block is None or block.device_id != device_id or block.user_id != user.id:
        raise ApiError("request.not_found", "该号段不存在，或不属于本设备。")
    if block.closed_at is not None:
        raise ApiError("number_block.closed")
    unused = _void_unused(block, "returned")
    record_event("number_block.closed", actor=user, object_type="number_block", object_id=str(block.uuid),
                 details={"reason": "returned", "voided": unused})
    return block, unused


def close_year(year: int) -> list[tuple[NumberBlock, list[int]]]:
    """After the year: every open block of `year` is closed, its unused numbers voided (audited)."""
    if year >= local_today().year:
        raise ValueError(f"{year} has not ended yet (today is {local_today().isoformat()})")
    closed = []
    for block in db.session.execute(sa.select(NumberBlock).where(
            NumberBlock.year == year, NumberBlock.closed_at.is_(None)).order_by(NumberBlock.id)).scalars():
        unused = _void_unused(block, "year_end")
        record_event("number_block.closed", actor_username="system", object_type="number_block",
                     object_id=str(block.uuid), details={"reason": "year_end", "voided": unused})
        closed.append((block, unused))
    return closed


def number_ledger(year: int) -> dict:
    """Every 当场行政处罚决定书 number of `year` and what became of it: used (the document),
    voided (作废, with the reason), or reserved (an open block, with the device)."""
    documents = dict(db.session.execute(sa.select(Document.serial, Document.number).where(
        Document.doc_type == DOC_TYPE, Document.year == year)).all())
    voided = dict(db.session.execute(sa.select(VoidedNumber.serial, VoidedNumber.reason).where(
        VoidedNumber.doc_type == DOC_TYPE, VoidedNumber.year == year)).all())
    blocks = db.session.execute(sa.select(NumberBlock).where(
        NumberBlock.doc_type == DOC_TYPE, NumberBlock.year == year)).scalars().all()
    last = max([0, *documents, *voided, *(b.last_serial for b in blocks)])
    block_of = {s: b for b in blocks for s in range(b.first_serial, b.last_serial + 1)}
    rows = []
    for serial in range(1, last + 1):
        block = block_of.get(serial)
        if serial in documents:
            rows.append({"serial": serial, "state": "used", "number": documents[serial]})
        elif serial in voided:
            rows.append({"serial": serial, "state": "voided", "reason": CLOSE_REASON_LABELS[voided[serial]]})
        elif block is not None and block.closed_at is None:
            rows.append({"serial": serial, "state": "reserved", "device_id": block.device_id})
        else:
            rows.append({"serial": serial, "state": "missing"})
    return {"year": year, "numbers": rows,
            "missing": [r["serial"] for r in rows if r["state"] == "missing"]}
