"""Case files (一案一卷): an inspection's evidence trail, its export as a verifiable ZIP.

The feature's error codes are in the catalog, server/errors.py. (The standalone verifier,
`server/verify_case.py`, lives outside this package so that it imports neither Flask nor the app.)
"""
