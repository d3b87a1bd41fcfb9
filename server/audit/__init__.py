"""The append-only audit log: every change of state leaves an entry here."""
