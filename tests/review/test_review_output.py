"""The review API's output fields are the schemas' work: the queue row's form title and each
decision's label come out of the schema from what is stored, so any code that dumps a queue row
or a decision gets them, and no view writes them onto a database object."""
from __future__ import annotations

import sqlalchemy as sa

from server.extensions import db
from server.inspections.models import Inspection
from server.review import queue
from server.review.models import ReviewAction
from server.review.review_state import review_state
from server.review.schemas import ActionOutSchema, QueueItemSchema, ReviewStateSchema


def test_queue_rows_and_decisions_carry_their_words(login_as, submitted, cast):
    record = submitted()
    supervisor = login_as("supervisor1")
    returned = supervisor.post(f"/api/inspections/{record['uuid']}/review/return",
                               json={"expected_status": "complete", "comment": "称重单照片不清晰，请补拍。"})
    assert returned.status_code == 200, returned.get_json()
    assert [(a["action"], a["label"]) for a in returned.get_json()["actions"]] == [("return", "退回更正")]
    rows = supervisor.get("/api/review/queue").get_json()["items"]
    assert [(r["uuid"], r["form_title"]) for r in rows] == [(record["uuid"], "公路超限超载检查")]

    # The same words from the schemas alone, for objects fresh from the database.
    db.session.expire_all()
    decision = db.session.execute(sa.select(ReviewAction)).scalar_one()
    assert ActionOutSchema().dump(decision)["label"] == "退回更正"
    row = queue.review_queue(cast["supervisor1"], {"limit": 10})["items"][0]
    assert QueueItemSchema().dump(row)["form_title"] == "公路超限超载检查"

    # Building the review state leaves the database objects as they were loaded.
    state = review_state(cast["supervisor1"], db.session.get(Inspection, decision.inspection_uuid))
    assert all("label" not in vars(action) for action in state["actions"])
    assert ReviewStateSchema().dump(state)["actions"][0]["label"] == "退回更正"
