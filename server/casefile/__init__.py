"""Case files (一案一卷): an inspection's evidence trail, its export as a verifiable ZIP.

The error codes of the feature are registered here, once, when the package is imported. (The
standalone verifier, `server/verify_case.py`, lives outside this package so that it imports
neither Flask nor these.)
"""
from ..errors import register_codes

register_codes({
    "casefile.evidence_damaged": (500, "Evidence original damaged",
                                  "证据原件在存储中缺失或已损坏（与登记的 SHA-256 不一致），无法导出案卷。"
                                  "请联系管理员运行 audit verify 检查。"),
})
