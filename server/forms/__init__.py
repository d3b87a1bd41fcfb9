"""Inspection forms: loading and checking forms/, JSON Logic, answer validation, supervision items.

Knows nothing of inspections: the sync service calls `service.get_form_version` and
`validation.validate_answers`.
"""
