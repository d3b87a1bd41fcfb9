"""Moved to testing/records.py (bench/ uses it too); the names stay importable from here."""
from testing.records import SHANGHAI, evidence_entry, overload_record, sync_body  # noqa: F401
