"""Moved to testing/media.py (bench/ uses it too); every name stays importable from here."""
import sys

from testing import media

sys.modules[__name__] = media  # `from tests.evidence import samples` gives testing.media itself
