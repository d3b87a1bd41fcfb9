"""Inspection records: offline sync with idempotency keys, states, revisions and access rules."""
