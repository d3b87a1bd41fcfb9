"""`audit verify` re-hashes every stored original: a flipped byte, a file swapped for another of
the same size, a deleted file are each found and named; an untouched store verifies."""
import pytest

from server.extensions import db

from .samples import jpeg


@pytest.fixture
def evidence_store_config():
    """These tests tamper with files on disk: the local store, whatever the run's store
    (test_s3_store.py tampers with a bucket)."""
    return {}


def verify(runner):
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output



@pytest.fixture
def stored_files(app, create_inspection, tus_as):
    """Two photos received through tus, so stored write-once under their SHA-256."""
    record = create_inspection(jpeg(640, 480), jpeg(320, 240))
    client = tus_as("officer1")
    for listed in record.evidence:
        assert client.upload(record, listed).status_code == 204
    db.session.remove()
    return record


def _original(app, sha: str):
    from server.evidence.storage import get_stores

    path = get_stores().originals.local_path(sha)
    path.chmod(0o644)  # the store keeps originals read-only; the tamperer doesn't care
    return path


def test_an_untouched_store_verifies(runner, stored_files):
    code, output = verify(runner)
    assert code == 0, output
    assert "2 evidence files checked" in output


def test_a_flipped_byte_in_an_evidence_file_is_named(app, runner, stored_files):
    listed = stored_files.evidence[1]
    path = _original(app, listed.sha256)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    code, output = verify(runner)
    assert code == 1
    assert f"evidence file {listed.sha256} (evidence {listed.uuid}) altered" in output


def test_a_file_replaced_by_another_of_the_same_size_is_named(app, runner, stored_files):
    first, second = stored_files.evidence
    target = _original(app, first.sha256)
    impostor = bytes(len(target.read_bytes()))  # same size, other bytes
    target.write_bytes(impostor)
    code, output = verify(runner)
    assert code == 1 and f"evidence file {first.sha256}" in output and "altered" in output


def test_a_deleted_evidence_file_is_named(app, runner, stored_files):
    listed = stored_files.evidence[0]
    _original(app, listed.sha256).unlink()
    code, output = verify(runner)
    assert code == 1 and f"evidence file {listed.sha256} (evidence {listed.uuid}) missing" in output
