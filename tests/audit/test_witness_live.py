"""Under gunicorn, nobody waits for the witness: while it does not answer, syncs are as quick as
ever and checkpoints are still made; once it answers, the newest checkpoint is co-signed."""
from __future__ import annotations

import socket
import time

import sqlalchemy as sa

from server.audit import signing
from server.audit.models import AuditCheckpoint, AuditCosignature
from server.extensions import db

from ..conftest import free_port, start_gunicorn, stop_gunicorn
from ..factories import overload_record, sync_body
from .conftest import start_witness


def test_syncs_never_wait_for_a_silent_witness_and_cosigning_catches_up(
        app, personas, database_url, storage_dir, tmp_path):
    log_key = signing.public_key_raw(signing.signing_key().public_key()).hex()
    port = free_port()
    silent = socket.socket()  # accepts connections into its backlog, never answers
    silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    silent.bind(("127.0.0.1", port))
    silent.listen(64)
    witness_dir = tmp_path / "witness"
    # The witness's key exists before it first runs: the bureau configures it once.
    from server.witness.state import init_state, raw_public

    witness_key = raw_public(init_state(witness_dir, log_key)).hex()
    db.session.remove()
    server = start_gunicorn(database_url, storage_dir, tmp_path / "gunicorn.log", extra_env={
        "FIELDCASE_WITNESS_URL": f"http://127.0.0.1:{port}", "FIELDCASE_WITNESS_KEY": witness_key,
        "FIELDCASE_WITNESS_TIMEOUT_SECONDS": "10", "FIELDCASE_WITNESS_RETRY_SECONDS": "1",
        "FIELDCASE_AUDIT_CHECKPOINT_MINUTES": "0"})
    witness = None
    try:
        officer = server.login("officer1")
        for _ in range(3):  # each sync signs a checkpoint (interval 0) and wakes the submitter
            started = time.monotonic()
            answer = officer.post(server.url + "/api/sync", json=sync_body(overload_record()), timeout=30)
            assert answer.status_code == 200, answer.text
            assert time.monotonic() - started < 2, "a sync waited for the witness"
        db.session.expire_all()
        sizes = db.session.execute(sa.select(AuditCheckpoint.tree_size)).scalars().all()
        db.session.rollback()
        assert len(sizes) >= 3
        assert not db.session.execute(sa.select(AuditCosignature)).first()
        db.session.rollback()
        silent.close()
        witness = start_witness(witness_dir, log_key, tmp_path / "witness.log", port=port)
        deadline, cosigned = time.monotonic() + 30, None
        while time.monotonic() < deadline and cosigned != max(sizes):
            time.sleep(0.3)
            cosigned = db.session.execute(sa.select(sa.func.max(AuditCosignature.tree_size))).scalar()
            db.session.rollback()
        assert cosigned == max(sizes), "the newest checkpoint was not co-signed once the witness answered"
    finally:
        silent.close()
        stop_gunicorn(server)
        if witness is not None:
            witness.stop()
