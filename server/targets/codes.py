"""Keys of targets: the 统一社会信用代码 with its check character, plates and ship identification
numbers; each is normalised (upper case, no spaces) before it is checked or compared.

统一社会信用代码: GB 32100-2015《法人和其他组织统一社会信用代码编码规则》: 18 characters of
0-9 and the capital letters without I, O, Z, S, V (31 characters, valued 0..30 in the order of
CODE_CHARACTERS); characters 3-8 are digits (the registering authority's 行政区划代码); the 18th is
the check character C18 = 31 - MOD(sum(Ci * Wi), 31) with Wi = MOD(3^(i-1), 31), and 31 -> 0.
(Checked against the standard's worked example 91350100M000100Y4Z, whose check character is 3.)
"""
from __future__ import annotations

import re
import unicodedata

CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CODE_CHARACTERS)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
_CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# 车牌号: a province's abbreviation, the issuing office's letter, then 5 characters (6 for a new
# energy vehicle); a trailer, coach or police plate ends with 挂, 学 or 警.
_PLATE = re.compile(r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]"
                    r"[A-Z0-9]{4,5}[A-Z0-9挂学警]$")
# 船舶识别号: CN and 11 digits (中国海事局 assigns it; its own check digit is not published here,
# so only the shape is checked).  # legal-review: the ship identification number's check digit
_SHIP_ID = re.compile(r"^CN[0-9]{11}$")


def normalise(value: str) -> str:
    """Upper case without any white space, full-width letters and digits made ASCII (NFKC)."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(text.split()).upper()


def credit_code_check_character(first17: str) -> str:
    """The 18th character GB 32100-2015 computes from the first 17."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CODE_CHARACTERS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None for a valid (normalised) credit code, else what is wrong with it, in zh-CN."""
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，实为 {len(code)} 位。"
    if not _CREDIT_SHAPE.match(code):
        bad = sorted({c for c in code if c not in _VALUE})
        if bad:
            return f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）。"
        return "统一社会信用代码第 3 至 8 位应为数字（登记管理机关行政区划码）。"
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位不符：第 18 位应为 {expected}，实为 {code[17]}，请核对。"
    return None


def plate_problem(plate: str) -> str | None:
    if _PLATE.match(plate):
        return None
    return "车牌号格式不正确（如 浙F12345、浙FD12345、浙F1234挂）。"


def ship_id_problem(ship_id: str) -> str | None:
    if _SHIP_ID.match(ship_id):
        return None
    return "船舶识别号格式不正确，应为 CN 加 11 位数字（如 CN20081234567）。"


KEY_PROBLEM = {"credit_code": credit_code_problem, "plate": plate_problem,
               "ship_id": ship_id_problem}
