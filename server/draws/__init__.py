"""Random inspection plans (抽查计划), their verifiable draw and the tasks it gives.

Imports nothing heavy: `python -m server.verify_draw` loads algorithm.py alone.
"""
