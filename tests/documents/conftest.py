"""Documents fixtures: the demo seal in the test's storage, fields of every document type, and
helpers to issue and seal."""
from __future__ import annotations

import pytest

from server.database import write_intent
from server.documents.queue import seal_pending
from server.documents.seal_keys import demo_paths, make_demo_seal
from server.documents.service import issue_document
from server.extensions import db

# Every type's required fields, as a case or an inspection would supply them.
LONG = "经查，" + "当事人驾驶的货车车货总质量超过限定标准，" * 6
FIELDS = {
    "inspection_record": {"party_name": "浙F12345 货车", "place": "G60 沪昆高速 海盐收费站",
                          "period": "2026年11月30日 09:00 至 09:40", "officers": ["张伟（33042420001）",
                                                                                 "李娜（33042420002）"],
                          "findings": ["车货总质量 55.2 吨，超过限值 49 吨（不符合）"],
                          "record_ref": "检查记录 00000000-0000-0000-0000-000000000001"},
    "inquiry_record": {"period": "2026年11月30日 10:00 至 10:30", "place": "海盐超限检测站询问室",
                       "interviewee": "王某", "relation": "驾驶员", "officers": ["张伟", "李娜"],
                       "recorder": "李娜", "notice": "我们是海盐县交通运输局执法人员，已出示执法证件。",
                       "questions_answers": ["问：车辆装载何物？", "答：钢材。"]},
    "rectification_notice": {"party_name": "海盐某物流有限公司", "violation": "车辆超限运输。",
                             "legal_basis": "《公路安全保护条例》第三十三条。",
                             "correction": "卸载超限部分货物。", "deadline": "2026-12-05"},
    "case_filing_approval": {"case_source": "在行政检查中发现的", "cause": "涉嫌违法超限运输案",
                             "accepted_on": "2026-11-30", "party_name": "海盐某物流有限公司",
                             "summary": LONG, "handler_opinion": "建议立案。", "approver_opinion": "同意立案。"},
    "penalty_notice": {"party_name": "海盐某物流有限公司", "facts": LONG, "evidence": ["称重单", "现场照片"],
                       "legal_basis": "《公路安全保护条例》第六十四条。",
                       "intended_penalty": "罚款人民币 3000 元。",
                       "rights": "你单位有权在收到本告知书之日起五日内进行陈述、申辩。"},
    "penalty_decision": {
        "party_name": "海盐某物流有限公司", "party_code": "91330424MA2XXXXXX1",
        "facts_found": LONG * 4, "evidence_relied_on": ["现场检查笔录", "称重检测单", "现场照片 7 张"],
        "statements_heard": "当事人称不知超限，经查其为专业运输企业，应知限载标准，不予采纳。",
        "legal_basis": "《公路安全保护条例》第三十三条、第六十四条。",
        "benchmark_level": "适用裁量基准第二档（超限 10%–20%），无从轻、减轻情节。",
        "penalty": "罚款人民币 3000 元。", "performance": "自收到本决定书之日起十五日内缴纳。",
        "remedies": "如不服本决定，可在六十日内申请行政复议，或在六个月内提起行政诉讼。"},
    "onsite_penalty_decision": {"party_name": "王某", "time_place": "2026年11月30日 G60 海盐收费站",
                                "facts": "未随车携带道路运输证。", "legal_basis": "《道路运输条例》。",
                                "penalty": "警告。", "payment": "无罚款。", "remedies": "可申请行政复议。",
                                "officers": ["张伟", "李娜"]},
    "service_receipt": {"case_ref": "涉嫌违法超限运输案", "served_documents": ["行政处罚决定书"],
                        "recipient": "海盐某物流有限公司", "served_at": "2026年12月1日 10:00",
                        "served_place": "当事人住所", "method": "直接送达", "servers": ["张伟", "李娜"]},
    "case_closing_approval": {"case_ref": "涉嫌违法超限运输案", "party_name": "海盐某物流有限公司",
                              "decision_ref": "海盐交罚〔2026〕第 1 号", "outcome": "罚款已缴纳。",
                              "handler_opinion": "建议结案。", "approver_opinion": "同意结案。"},
    "case_transfer_letter": {"receiving_authority": "海盐县公安局", "case_ref": "涉嫌违法超限运输案",
                             "party_name": "王某", "facts": LONG, "reason": "涉嫌犯罪，依法移送。",
                             "attachments": ["案卷一份"], "contact": "张伟 0573-00000000"},
}


@pytest.fixture
def demo_seal(app, storage_dir):
    """The demo CA and seal, as `make run` makes them; returns the CA certificate (PEM)."""
    make_demo_seal(storage_dir, app.config["BUREAU_NAME"])
    return demo_paths(storage_dir)[1].read_bytes()


@pytest.fixture
def issue(app, personas):
    """Factory: issue a document of `type` (committed) as officer1, fields from FIELDS."""
    def make(doc_type: str, fields: dict | None = None, **kwargs):
        db.session.commit()  # a test client's GET leaves a reader's intent behind: begin anew
        with write_intent(True):
            document = issue_document(personas["officer1"], doc_type, fields or FIELDS[doc_type], **kwargs)
            db.session.commit()
        return document
    return make


@pytest.fixture
def sealed(issue, demo_seal):
    """Factory: issue and seal a document; returns (document, sealed PDF bytes)."""
    from server.documents.queue import sealed_pdf

    def make(doc_type: str, fields: dict | None = None):
        document = issue(doc_type, fields)
        counts = seal_pending()
        db.session.refresh(document)
        assert counts == {"signed": 1, "failed": 0, "skipped": 0}, document.sign_error
        assert document.state == "signed", document.sign_error
        return document, sealed_pdf(document)
    return make
