"""Masking personal data in what the public pages show (一公开 without personal information).

Masked: resident ID numbers (18 digits or 17 + X, and the old 15 digits), mobile numbers (1[3-9]
+ 9 digits, with optional +86 and separators), landlines (0 + area code + number), and the names
of private persons wherever a record marks them (`redact_person`) or writes them after a label
such as 当事人/驾驶员/联系人/车主/船员/法定代表人/姓名 (the name after the colon). Businesses' names,
credit codes and officers' names with certificate numbers stay public (谁执法谁公示).
A run of digits next to the patterns (a credit code, a licence number) is left alone: the patterns
require a non-digit on both sides.
"""
from __future__ import annotations

import re

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])|"
                       r"(?<![0-9A-Za-z])(\d{6})(\d{6})(\d{3})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})[- ]?(\d{7,8})(?![0-9])")
PERSON_LABELS = ("当事人", "驾驶员", "驾驶人", "联系人", "车主", "船员", "船长", "法定代表人", "负责人",
                 "姓名", "被检查人", "证人", "举报人")
# A name after a label: a compound surname and two more characters, or three characters (a
# two-character name then takes the next character too: masking one character too many is the
# safe side), or a name in Latin letters.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "慕容", "令狐", "皇甫", "尉迟", "公孙", "司徒", "夏侯")
NAMED = re.compile(r"(" + "|".join(PERSON_LABELS) + r")(\s*[:：]?\s*)((?:" + "|".join(COMPOUND_SURNAMES)
                   + r")[\u4e00-\u9fff]{1,2}|[\u4e00-\u9fff·]{2,3}|[A-Za-z][A-Za-z .'-]{1,40}[A-Za-z])")


def mask_name(name: str) -> str:
    """张三丰 -> 张**: the surname (first character) only."""
    return name[:1] + "*" * max(1, len(name) - 1)


def redact_text(text: str) -> str:
    """`text` with ID numbers, phone numbers and labelled private names masked."""
    text = ID_NUMBER.sub(lambda m: (m.group(1) or m.group(4)) + "*" * (
        12 if m.group(1) else 9), text)
    text = MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = LANDLINE.sub(lambda m: f"{m.group(1)}-****", text)
    return NAMED.sub(lambda m: m.group(1) + m.group(2) + mask_name(m.group(3)), text)


def redact(value, private_names: frozenset[str] = frozenset()):
    """A JSON value with every string redacted, and each of `private_names` (the private persons
    a record names, e.g. a driver) masked wherever it appears."""
    if isinstance(value, str):
        for name in sorted(private_names, key=len, reverse=True):
            if name:
                value = value.replace(name, mask_name(name))
        return redact_text(value)
    if isinstance(value, list):
        return [redact(v, private_names) for v in value]
    if isinstance(value, dict):
        return {k: redact(v, private_names) for k, v in value.items()}
    return value
