"""A witness of FieldCase's audit log: a small separate process, run by another office (the
provincial platform, the legal office), that remembers the newest checkpoint it has seen,
co-signs each new one that consistently extends it, and refuses one that does not (a log rolled
back to fewer entries, or a fork: another history of the same or a larger size).

Standard library, `cryptography` and server/audit's hashing modules only: it needs neither
FieldCase's database nor Flask. `python -m server.witness --help`; see README "Witness".
"""
