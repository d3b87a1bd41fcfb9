"""The fields of the 当场行政处罚决定书 (documents/onsite_penalty_decision) for an on-the-spot
decision, written from the decision and the server's own calculation. The phone shows the same
wording (static/pwa/js/views/simple.js, `documentFields`); a change here changes it there.

# legal-review: 《行政处罚法》(2021) 第五十二条 (the decision states the facts, the basis, the
# penalty, time and place, and the routes of 行政复议 and 行政诉讼), 第六十七条 (payment within
# 15 days at the designated bank or by electronic payment), 第七十二条 (加处罚款 3 % a day);
# 《行政复议法》(2023) 第二十条 (60 days), 《行政诉讼法》第四十六条 (six months). The wording below
# is FieldCase's draft, not checked against the official texts (flk.npc.gov.cn).
"""
from __future__ import annotations

from ..clock import to_local

PAYMENT = ("当事人应当自收到本决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款"
           "（《中华人民共和国行政处罚法》第六十七条）；到期不缴纳的，每日按罚款数额的百分之三加处罚款"
           "（第七十二条）。")
NO_PAYMENT = "本决定为警告，不涉及罚款缴纳。"
REMEDIES = ("如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，"
            "或者在六个月内依法向人民法院提起行政诉讼。")


def _step(calc: dict, prefix: str) -> str:
    """The reasoning's line that starts with `prefix`, without its number."""
    for line in calc["reasoning"]:
        text = line.split(". ", 1)[1]
        if text.startswith(prefix):
            return text
    return ""


def penalty_text(types: list[str], amount: int | None) -> str:
    parts = (["警告"] if "warning" in types else []) + ([f"罚款人民币 {amount} 元"] if "fine" in types else [])
    return "依据《中华人民共和国行政处罚法》第五十一条，当场作出如下行政处罚决定：" + "，并处".join(parts) + "。"


def decision_fields(data: dict, calc: dict, officers) -> dict:
    """{field: text} of the decision's document."""
    when = to_local(data["decided_at"]).strftime("%Y年%m月%d日 %H:%M")
    types, amount = data["penalty"]["types"], data["penalty"]["amount"]
    fields = {
        "party_name": data["party_name"],
        "time_place": f"{when}，{data['place']}",
        "facts": f"当事人{data['party_name']}{calc['violation']['title']}。{_step(calc, '认定的事实')}"
                 f"{_step(calc, '情节')}",
        "legal_basis": _step(calc, "违反"),
        "penalty": penalty_text(types, amount),
        "payment": PAYMENT if "fine" in types else NO_PAYMENT,
        "remedies": REMEDIES,
        "officers": [f"{o.display_name}（执法证号 {o.certificate_number}）" for o in officers],
    }
    if data.get("party_code"):
        fields["party_code"] = data["party_code"]
    return fields
