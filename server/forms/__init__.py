"""Inspection forms: loading and checking forms/, JSON Logic, answer validation, supervision items.

Knows nothing of inspections: the sync service calls `service.get_form_version` and
`validation.validate_answers`.
"""
from . import errors as _errors  # noqa: F401  (registers the feature's error codes)
