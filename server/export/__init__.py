"""The provincial export (P-16): a versioned JSON format of events drawn from the audit log,
pulled with cursors by the platform's collector and pushed by signed webhooks (docs/export.md)."""
