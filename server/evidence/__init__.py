"""Evidence: tus uploads, the content-addressed store, media facts (Pillow), serving.

The feature's error codes (`upload.*`, `evidence.*`) are in the catalog, server/errors.py.
"""
