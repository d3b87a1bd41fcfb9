"""Enforcement documents (执法文书): types as data, numbering, PDF/A layout, electronic seals."""
