"""The S3 evidence store on a real SeaweedFS: originals go up in parts and only when their bytes
hash to their key, are never replaced by the app nor removable by a key holder (Object Lock),
are read back by ranges, and `audit verify` names one altered or hidden behind the app's back.
A lost thumbnail is made again from the original."""
import hashlib
import json
import subprocess
import sys

import pytest

from server.evidence.s3store import S3Store, make_client
from server.evidence.storage import StorageError
from testing import ROOT

from .conftest import thumbnails_made
from .samples import jpeg


@pytest.fixture
def evidence_store_config(seaweedfs):
    """Every app of this module keeps its evidence in fresh SeaweedFS buckets."""
    return seaweedfs.settings()


def stores(app):
    return app.extensions["evidence_stores"]


def test_the_s3_store_is_opened_at_start(app, app_config):
    originals, derived = stores(app).originals, stores(app).derived
    assert isinstance(originals, S3Store) and originals.write_once
    assert originals.bucket == app_config["EVIDENCE_S3_BUCKET"] and not derived.write_once


def test_an_original_goes_up_in_parts_and_reads_back_by_ranges(app, tmp_path):
    data = bytes(range(256)) * (12 * 1024 * 1024 // 256 + 7)  # 3 parts of 5 MiB
    source = tmp_path / "video.bin"
    source.write_bytes(data)
    key = hashlib.sha256(data).hexdigest()
    originals = stores(app).originals
    assert originals.put_file(key, source) is True
    assert originals.size(key) == len(data) and originals.exists(key)
    with originals.open(key, (5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 4)) as stream:
        assert stream.read() == data[5 * 1024 * 1024 - 3: 5 * 1024 * 1024 + 5]
    assert list(originals.keys()) == [key]


@pytest.mark.parametrize("size", [1000, 11 * 1024 * 1024])  # a single put, and parts
def test_bytes_that_do_not_hash_to_their_key_are_not_stored(app, tmp_path, size):
    source = tmp_path / "bad.bin"
    source.write_bytes(b"x" * size)
    key = hashlib.sha256(b"something else").hexdigest()
    originals = stores(app).originals
    with pytest.raises(StorageError, match="refused"):
        originals.put_file(key, source)
    assert not originals.exists(key)
    client = originals.client
    assert not client.list_multipart_uploads(Bucket=originals.bucket).get("Uploads")


@pytest.mark.parametrize("size", [1000, 11 * 1024 * 1024])
def test_the_app_never_replaces_or_deletes_an_original(app, tmp_path, size):
    data = b"o" * size
    key = hashlib.sha256(data).hexdigest()
    (tmp_path / "a").write_bytes(data)
    originals = stores(app).originals
    assert originals.put_file(key, tmp_path / "a") is True
    assert originals.put_file(key, tmp_path / "a") is False  # kept as it was
    # Even a racing writer that skipped the existence check cannot replace it: the put is
    # conditional (If-None-Match), single or multipart.
    originals.exists = lambda key: False
    (tmp_path / "b").write_bytes(data)
    assert originals.put_file(key, tmp_path / "b") is False
    versions = originals.client.list_object_versions(Bucket=originals.bucket, Prefix=key)
    assert len(versions["Versions"]) == 1
    with pytest.raises(StorageError, match="write-once"):
        originals.delete(key)


def test_the_bucket_itself_keeps_every_original_from_a_key_holder(app, tmp_path):
    """Object Lock (COMPLIANCE): a DELETE only hides the object behind a marker, and deleting
    the stored version is refused, whoever holds the keys."""
    data = b"evidence"
    key = hashlib.sha256(data).hexdigest()
    originals = stores(app).originals
    originals.put_bytes(key, data)
    client = originals.client
    client.delete_object(Bucket=originals.bucket, Key=key)
    assert not originals.exists(key)
    version = client.list_object_versions(Bucket=originals.bucket, Prefix=key)["Versions"][0]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="AccessDenied"):
        client.delete_object(Bucket=originals.bucket, Key=key, VersionId=version["VersionId"])
    answer = client.get_object(Bucket=originals.bucket, Key=key, VersionId=version["VersionId"])
    assert answer["Body"].read() == data


@pytest.fixture
def received(app, create_inspection, tus_as):
    from server.extensions import db

    record = create_inspection(jpeg(640, 480), jpeg(320, 240))
    client = tus_as("officer1")
    for listed in record.evidence:
        assert client.upload(record, listed).status_code == 204
    db.session.remove()
    return record


def test_audit_verify_names_an_original_altered_or_hidden_in_the_bucket(app, received):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "2 evidence files checked" in result.output, result.output
    first, second = received.evidence
    originals = stores(app).originals
    # A key holder writes a new version over one (the bucket keeps versions) and hides the other.
    originals.client.put_object(Bucket=originals.bucket, Key=first.sha256, Body=b"swapped")
    originals.client.delete_object(Bucket=originals.bucket, Key=second.sha256)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"evidence file {first.sha256} (evidence {first.uuid}) altered" in result.output
    assert f"evidence file {second.sha256} (evidence {second.uuid}) missing" in result.output


def test_a_lost_thumbnail_is_made_again_from_the_original_in_the_bucket(app, received, login_as):
    from server.evidence.storage import get_stores
    from server.evidence.uploads import staging_dir

    listed = received.evidence[0]
    derived = get_stores().derived
    key = f"{listed.sha256}.thumbnail.jpg"
    thumbnails_made(app)
    assert derived.exists(key)
    derived.delete(key)
    answer = login_as("officer1").get(f"/api/evidence/{listed.uuid}/thumbnail")
    assert answer.status_code == 200 and answer.data[:3] == b"\xff\xd8\xff"
    assert derived.exists(key)
    # The original was decoded from a local copy in the staging folder's decoding/ (not the
    # system's temp folder), removed once decoded.
    work_dir = app.extensions["evidence_derived_images"].work_dir
    assert work_dir.parent == staging_dir(app.config) and list(work_dir.iterdir()) == []


MEMORY_PROBE = """
import hashlib, json, os, resource, sys
from pathlib import Path
from server.evidence.s3store import S3Store, make_client
config, path = json.loads(sys.argv[1]), Path(sys.argv[2])
digest = hashlib.sha256()
with open(path, 'rb') as f:
    while block := f.read(1 << 20):
        digest.update(block)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
store = S3Store(make_client(config), config['EVIDENCE_S3_BUCKET'], write_once=True,
                part_bytes=config['EVIDENCE_S3_PART_MB'] << 20)
assert store.put_file(digest.hexdigest(), path)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({'before_kib': before, 'after_kib': after, 'size': path.stat().st_size}))
"""


def test_memory_stays_flat_while_a_large_original_goes_up(seaweedfs, tmp_path):
    """A 300 MB sparse video goes up in 5 MiB parts; the process grows by a few parts, not by
    the file (docs/storage.md has the figure for 2 GB)."""
    config = seaweedfs.settings()
    source = tmp_path / "body-camera.mp4"
    with open(source, "wb") as f:
        f.truncate(300 * 1024 * 1024)
    probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, json.dumps(config), str(source)],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert probe.returncode == 0, probe.stderr[-3000:]
    figures = json.loads(probe.stdout.strip().splitlines()[-1])
    grown_mib = (figures["after_kib"] - figures["before_kib"]) / 1024
    assert grown_mib < 60, figures
    client = make_client(config)
    head = client.head_object(Bucket=config["EVIDENCE_S3_BUCKET"],
                              Key=hashlib.sha256(bytes(300 * 1024 * 1024)).hexdigest())
    assert head["ContentLength"] == 300 * 1024 * 1024
