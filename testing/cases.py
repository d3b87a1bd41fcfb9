"""A general-procedure case walked through its steps (立案 … 结案) with valid bodies.

`STEP_DEFAULTS` holds, per step, a body that its schema (server/cases/schemas.py) and the document
the step issues (documents/*.json: 询问笔录, 行政处罚决定书, 送达回证 …) accept; a test names only
the facts it is about (dates, amounts, who). When a document comes to require another field, it
is added here, once.

    walk = CaseWalk.over_http(case_json)          # each step POSTed by a logged-in test client
    walk.step(supervisor, "approve_opening", on="2026-09-01")
    walk = CaseWalk.by_service(case_row)          # each step through server.cases.steps.take_step
    walk.steps([(supervisor, "approve_opening", {"on": date(2026, 9, 1)}), ...])
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from uuid import UUID

LEGAL_CHECKLIST = {p: True for p in ("legal_basis_cited", "facts_clear", "evidence_sufficient",
                                     "procedure_followed", "discretion_appropriate")}

STEP_DEFAULTS: dict[str, dict] = {
    "approve_opening": {},
    "reject_opening": {"reason": "已由其他部门处理"},
    "add_interview": {"interviewee": "赵师傅", "summary": "问：车上装的什么？\n答：钢材，承认车辆超限运输。",
                      "place": "海盐超限检测站询问室", "relation": "驾驶员"},
    "link_evidence": {},  # the caller names the inspection_uuid
    "extend": {"days": 10, "reason": "案情复杂"},
    "notify": {"proposed_fine_fen": 150_000, "facts": "超限"},
    "record_statement": {"statement": "无异议"},
    "request_hearing": {},
    "record_hearing": {"summary": "听证会维持拟处罚意见。"},
    "send_to_legal_review": {"reason": "较大数额罚款"},
    "legal_opinion": {"opinion": "agree", "checklist": LEGAL_CHECKLIST},
    "decide": {"fine_fen": 150_000, "party_present": True, "reasoning": "依据裁量基准",
               "statement_assessment": "无异议，无需采纳。"},
    "serve": {"method": "direct", "recipient": "当事人", "receipt": "签收", "place": "当事人住所"},
    "close": {"summary": "已执行，建议结案。"},
}


def step_body(action: str, **facts) -> dict:
    """A valid body for `action` (without expected_version): the defaults, `facts` on top."""
    return {**STEP_DEFAULTS[action], **facts}


def as_json(value):
    """Dates and UUIDs as the wire carries them, at any depth."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


class CaseWalk:
    """One case taken step by step, each step at the case's current version."""

    def __init__(self, case, take: Callable, version: Callable):
        self.case = case
        self._take, self._version = take, version

    @classmethod
    def over_http(cls, case: dict) -> CaseWalk:
        """Steps POSTed to /api/cases/<id>/steps/<action> by the given test client; each must
        answer 200; `case` is the JSON answered."""
        def take(client, case, action, body):
            answer = client.post(f"/api/cases/{case['id']}/steps/{action}", json=as_json(body))
            assert answer.status_code == 200, (action, answer.get_json())
            return answer.get_json()

        return cls(case, take, lambda case: case["version"])

    @classmethod
    def by_service(cls, case) -> CaseWalk:
        """Steps loaded by the step's schema, as the route does, then taken by the service (in
        the caller's transaction, which must be a writer's); `case` is the Case row."""
        def take(user, case, action, body):
            from server.cases import steps
            from server.cases.schemas import STEP_SCHEMAS

            steps.take_step(user, case, action, STEP_SCHEMAS[action]().load(as_json(body)))
            return case

        return cls(case, take, lambda case: case.version)

    def step(self, who, action: str, **facts):
        """Take `action` as `who` with a valid body and `facts`; the case afterwards."""
        body = {"expected_version": self._version(self.case), **step_body(action, **facts)}
        self.case = self._take(who, self.case, action, body)
        return self.case

    def steps(self, walk: Iterable[tuple]):
        """Several steps: (who, action, facts) each."""
        for who, action, facts in walk:
            self.step(who, action, **facts)
        return self.case
