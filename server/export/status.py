"""What administrators see of the push side: each endpoint and its deliveries by state."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .feed import log_end
from .models import DELIVERY_STATES, ExportDelivery, ExportEndpoint


def endpoint_summaries() -> list[dict]:
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, state, count in db.session.execute(
            sa.select(ExportDelivery.endpoint_id, ExportDelivery.state, sa.func.count())
            .group_by(ExportDelivery.endpoint_id, ExportDelivery.state)):
        counts.setdefault(endpoint_id, {})[state] = count
    end = log_end()[0]
    return [{"id": e.id, "name": e.name, "url": e.url, "active": e.disabled_at is None,
             "scanned_through": e.scanned_through, "log_end": end,
             "deliveries": {s: counts.get(e.id, {}).get(s, 0) for s in DELIVERY_STATES}}
            for e in db.session.execute(sa.select(ExportEndpoint).order_by(ExportEndpoint.name)).scalars()]
