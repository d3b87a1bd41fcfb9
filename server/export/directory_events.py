"""Events about the directories: targets (检查对象, server/targets/) and officers' certificates by
enforcement domain (server/officers/), built from their audit entries. A target's entries carry
its facts (created), what changed and what it was (updated), and each credit class with its
effective date; a certificate's entry carries the certificate.
"""
from __future__ import annotations

from ..extensions import db
from ..officers.models import OfficerCertificate
from .format import Entry, link


def _target_ref(entry: Entry) -> dict:
    return {"id": int(entry.object_id), "key_kind": entry.details.get("key_kind"),
            "key": entry.details.get("key"), "href": link(f"/api/targets/{entry.object_id}")}


def target_created(entry: Entry) -> tuple[str, dict]:
    """target.created: a target entered the directory, with every fact."""
    return "target.created", {"target": _target_ref(entry), "facts": entry.details["facts"]}


def target_changed(entry: Entry) -> tuple[str, dict]:
    """target.changed: the facts that changed, with their values before."""
    return "target.changed", {"target": _target_ref(entry), "changed": entry.details["changed"],
                              "before": entry.details["before"]}


def target_credit_class(entry: Entry) -> tuple[str, dict]:
    """target.credit_class_changed: a class (A–D) from its effective date (also a new target's first)."""
    d = entry.details
    return "target.credit_class_changed", {
        "target": {"id": int(entry.object_id), "href": link(f"/api/targets/{entry.object_id}")},
        "credit_class": d["credit_class"], "effective_date": d["effective_date"], "source": d["source"]}


def certificate_added(entry: Entry) -> tuple[str, dict]:
    """officer.certificate_added: a 执法证 with the domains (执法类别) it covers."""
    d = entry.details
    return "officer.certificate_added", {"certificate": {
        "id": int(entry.object_id), "officer": {"id": d["user_id"], "username": d["username"]},
        "number": d["number"], "domains": d["domains"], "valid_from": d["valid_from"],
        "valid_until": d["valid_until"]}, "revoked_reason": None}


def certificate_revoked(entry: Entry) -> tuple[str, dict]:
    """officer.certificate_revoked: the certificate no longer counts, with the reason. The
    certificate's number, domains and dates never change once recorded, so they are read from it."""
    cert = db.session.get(OfficerCertificate, int(entry.object_id))
    return "officer.certificate_revoked", {"certificate": {
        "id": cert.id, "officer": {"id": cert.user_id, "username": entry.details["username"]},
        "number": cert.number, "domains": sorted(cert.domains), "valid_from": cert.valid_from.isoformat(),
        "valid_until": cert.valid_until.isoformat()}, "revoked_reason": entry.details["reason"]}
