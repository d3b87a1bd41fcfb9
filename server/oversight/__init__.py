"""Oversight: the bureau's figures, their exports, the dashboard's API and early warnings (预警)."""
