"""The server's checks of an on-the-spot decision from a phone, each refusal a catalog code:
the penalty against 《行政处罚法》第五十一条 and the benchmark (recomputed here, the phone's answer
is never trusted), the number against the device's block, the two officers (持证), the signatures.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime

import sqlalchemy as sa

from ..accounts.models import User
from ..clock import to_local
from ..discretion import calculator
from ..errors import ApiError
from ..extensions import db
from ..inspections.rejection import Rejected
from .models import DOC_TYPE, NumberBlock, SimpleDecision, VoidedNumber

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PENALTY_TEXT = {"warning": "警告", "fine": "罚款"}


def check_penalty(data: dict) -> dict:
    """The calculation behind the decision; refuses what the simple procedure may not decide."""
    types, amount = sorted(set(data["penalty"]["types"])), data["penalty"]["amount"]
    if ("fine" in types) != (amount is not None):
        raise Rejected("simple.invalid_penalty", "罚款须写明金额，警告不写金额。",
                       {"penalty": ["罚款须写明金额（元）。"]})
    limit = calculator.simple_procedure_allowed(types, amount, data["party_kind"])
    if not limit["allowed"]:
        raise Rejected("simple.over_limit", limit["reason"], {"penalty": [limit["reason"]]})
    try:
        checked = calculator.check_penalty(data["violation"], data["facts"],
                                           {"types": types, "amount": amount}, data["party_kind"])
    except ApiError as refused:
        if refused.code == "discretion.not_competent":
            raise Rejected("simple.wrong_procedure", "该违法行为由公安机关处罚，不能当场作出决定。",
                           {"violation": [str(refused)]}) from None
        raise Rejected("simple.calculation_refused", str(refused),
                       refused.errors or {"facts": [str(refused)]}) from None
    calc = checked["calculation"]
    bench = calc["simple_procedure"]
    if not bench["allowed"] or (calc["no_penalty"] or {}).get("mandatory"):
        reason = bench["reason"] if not bench["allowed"] else \
            "该违法行为符合不予处罚的条件（应当不予行政处罚），不能当场处罚。"
        raise Rejected("simple.wrong_procedure", f"按裁量基准（“{calc['level']}”情形）不适用简易程序：{reason}",
                       {"violation": [reason]})
    if not checked["within"]:
        raise Rejected("simple.outside_benchmark", checked["explanation"], {"penalty": [checked["explanation"]]})
    return calc


def check_number(user: User, data: dict) -> NumberBlock:
    """The number is in a block reserved for this device and officer, of the decision's year,
    not voided and not used by another decision."""
    number = data["number"]
    block = db.session.execute(sa.select(NumberBlock).where(NumberBlock.uuid == number["block"])).scalar()
    where = f"{number['year']} 年第 {number['serial']} 号"
    if (block is None or block.device_id != data["device_id"] or block.user_id != user.id
            or block.doc_type != DOC_TYPE or block.year != number["year"]
            or not block.first_serial <= number["serial"] <= block.last_serial):
        raise Rejected("simple.number_not_in_block", f"文书号 {where} 不在本设备领取的号段内。",
                       {"number": ["文书号须取自本设备为本人领取的号段。"]})
    if to_local(data["decided_at"]).year != block.year:
        raise Rejected("simple.number_not_in_block", f"文书号 {where} 属于 {block.year} 年的号段，"
                       f"不能用于 {to_local(data['decided_at']).year} 年作出的决定。", {"number": ["号段年度不符。"]})
    voided = db.session.get(VoidedNumber, (DOC_TYPE, block.year, number["serial"]))
    if voided is not None:
        raise Rejected("simple.number_voided", f"文书号 {where} 已作废（号段已交回或年度已结束）。",
                       {"number": ["该号码已作废，不能再使用。"]})
    taken = db.session.execute(sa.select(SimpleDecision.uuid).where(
        SimpleDecision.year == block.year, SimpleDecision.serial == number["serial"])).scalar()
    if taken is not None:
        raise Rejected("simple.number_used", f"文书号 {where} 已被另一份决定书使用。",
                       {"number": ["该号码已使用。"]})
    return block


def check_officers(user: User, data: dict) -> list[User]:
    """Two officers, the submitter one of them, both active with a valid certificate that day."""
    names = [n.strip().lower() for n in data["officers"]]
    if len(names) != 2 or len(set(names)) != 2 or user.username not in names:
        raise Rejected("simple.invalid_officers", "当场处罚须由两名执法人员作出，提交人须为其中之一。",
                       {"officers": ["请填写两名执法人员（含本人）。"]})
    on = to_local(data["decided_at"]).date()
    found = {u.username: u for u in db.session.execute(
        sa.select(User).where(sa.func.lower(User.username).in_(names))).scalars()}
    found = {k.lower(): v for k, v in found.items()}
    problems = [f"{name}：账号不存在或已停用，或不是执法人员。" for name in names
                if name not in found or not found[name].is_active or not found[name].has_role("officer")]
    problems += [f"{found[name].display_name}（{name}）：{on.isoformat()} 无有效执法证。" for name in names
                 if name in found and not any(name in p for p in problems)
                 and found[name].certificate_state(on) != "valid"]
    if problems:
        raise Rejected("simple.invalid_officers", "当场处罚的执法人员须持有效执法证（持证上岗）。",
                       {"officers": problems})
    return [found[n] for n in names]


def check_signatures(data: dict, officers: list[User]) -> list[tuple[str, str, bytes]]:
    """The party's signature and each officer's, as PNGs whose SHA-256 is the one declared."""
    wanted = ["party"] + [o.username for o in officers]
    got = {s["signer"].strip().lower(): s for s in data["signatures"]}
    missing = [w for w in wanted if w.lower() not in got]
    if missing or len(got) != len(wanted):
        raise Rejected("simple.invalid_signature", "须有当事人和两名执法人员的签名。",
                       {"signatures": [f"缺少签名：{'、'.join('当事人' if m == 'party' else m for m in missing)}。"]
                        if missing else ["只能有当事人和两名执法人员的签名。"]})
    out = []
    for signer in wanted:
        entry = got[signer.lower()]
        try:
            png = base64.b64decode(entry["png"], validate=True)
        except (binascii.Error, ValueError):
            png = b""
        if not png.startswith(PNG_MAGIC) or hashlib.sha256(png).hexdigest() != entry["sha256"]:
            raise Rejected("simple.invalid_signature", "签名图片已损坏（不是 PNG，或与其 SHA-256 不符），请重新签名。",
                           {"signatures": [f"{signer} 的签名无效。"]})
        out.append((signer, entry["sha256"], png))
    return out


def check_time(data: dict, server_time: datetime) -> None:
    from datetime import timedelta

    if data["decided_at"] > server_time + timedelta(hours=24):
        raise Rejected("simple.implausible_time", "决定时间晚于当前时间，请核对手机时钟。",
                       {"decided_at": ["时间晚于服务器当前时间超过 24 小时。"]})
