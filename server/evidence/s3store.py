"""Evidence in an S3-compatible object store (EVIDENCE_STORE=s3; SeaweedFS in tests and deployment).

The same methods as `LocalStore`, over one bucket per store: the originals' bucket is write-once,
the derived files' bucket is a cache. Keys are the same content-addressed names as on disk.

Write-once, twice over (docs/storage.md):
- the app: a put of an original is conditional (`If-None-Match: *`, on the single put and on
  completing a multipart upload), so an existing key is never replaced, and `delete` refuses;
- the store: `create_buckets` makes the originals' bucket with S3 Object Lock and a default
  COMPLIANCE retention, so not even a holder of the bucket's keys can remove a stored version
  before it expires (a plain DELETE only adds a delete marker; the bytes stay).

An original streams to the store in parts of EVIDENCE_S3_PART_MB from the finished upload's local
file, hashed as it goes: a file whose bytes no longer hash to its key is aborted, never completed.
"""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .storage import KEY_PATTERN, StorageError

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_ALREADY_THERE = {"412", "PreconditionFailed"}


def make_client(config):
    """A boto3 S3 client for the endpoint and keys in `config` (path-style: SeaweedFS, MinIO)."""
    return boto3.client(
        "s3", endpoint_url=config["EVIDENCE_S3_ENDPOINT"],
        aws_access_key_id=config["EVIDENCE_S3_ACCESS_KEY"],
        aws_secret_access_key=config["EVIDENCE_S3_SECRET_KEY"],
        region_name=config["EVIDENCE_S3_REGION"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                      connect_timeout=5, read_timeout=60))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Store:
    """Objects in `bucket`, named by key. With `write_once` an existing key is never replaced."""

    def __init__(self, client, bucket: str, *, write_once: bool, part_bytes: int) -> None:
        self.client = client
        self.bucket = bucket
        self.write_once = write_once
        self.part_bytes = part_bytes

    def _key(self, key: str) -> str:
        if not KEY_PATTERN.match(key):
            raise StorageError(f"malformed key {key!r}")
        return key

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return None
            raise StorageError(f"{key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        """True when an object is stored under `key`."""
        return self._head(key) is not None

    def size(self, key: str) -> int:
        """The stored object's size in bytes."""
        head = self._head(key)
        if head is None:
            raise StorageError(f"{key}: not in bucket {self.bucket}")
        return head["ContentLength"]

    def local_path(self, key: str) -> Path | None:
        """Never a local path: the bytes are remote (serving streams them, with Range)."""
        return None

    def open(self, key: str, byte_range: tuple[int, int] | None = None) -> BinaryIO:
        """The stored bytes as a stream read from the network as it is consumed; `byte_range`
        (first, last inclusive) asks for those bytes only."""
        extra = {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key), **extra)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{key}: {exc}") from exc
        return answer["Body"]

    def put_file(self, key: str, source: Path) -> bool:
        """Stream the local file `source` to the store under `key`, in parts; False when the key
        was kept as it was. An original's bytes must hash to its key, or nothing is stored."""
        if self.write_once and self.exists(key):
            return False  # the same SHA-256 means the same bytes: no need to send 2 GB again
        expected = key if self.write_once and len(key) == 64 else None  # an original's key is its hash
        try:
            with open(source, "rb") as f:
                first = f.read(self.part_bytes)
                if len(first) < self.part_bytes:
                    _check(expected, hashlib.sha256(first))
                    return self._put(key, first)
                return self._put_parts(key, f, first, expected)
        except OSError as exc:
            raise StorageError(f"storing {key}: {exc}") from exc

    def _put_parts(self, key: str, f, first: bytes, expected: str | None) -> bool:
        digest = hashlib.sha256()
        try:
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key)["UploadId"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"storing {key}: {exc}") from exc
        parts, data, number = [], first, 1
        try:
            while data:  # one part in memory at a time: flat for a 2 GB video
                digest.update(data)
                answer = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                 PartNumber=number, Body=data)
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                data, number = f.read(self.part_bytes), number + 1
            _check(expected, digest)
            condition = {"IfNoneMatch": "*"} if self.write_once else {}
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": parts}, **condition)
            return True
        except BaseException as exc:
            self._abort(key, upload_id)
            if isinstance(exc, ClientError) and _code(exc) in _ALREADY_THERE:
                return False  # a concurrent writer stored the same bytes first
            if isinstance(exc, (ClientError, BotoCoreError)):
                raise StorageError(f"storing {key}: {exc}") from exc
            raise

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except (ClientError, BotoCoreError):
            pass  # the store's lifecycle removes abandoned parts; nothing was published

    def _put(self, key: str, data: bytes) -> bool:
        condition = {"IfNoneMatch": "*"} if self.write_once else {}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **condition)
            return True
        except ClientError as exc:
            if _code(exc) in _ALREADY_THERE:
                return False
            raise StorageError(f"storing {key}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"storing {key}: {exc}") from exc

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Store `data` under `key` (small derived files); False when kept as it was."""
        return self._put(key, data)

    def delete(self, key: str) -> None:
        """Remove a derived file; originals are write-once and cannot be deleted."""
        if self.write_once:
            raise StorageError("the evidence store is write-once: originals are never deleted")
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"deleting {key}: {exc}") from exc

    def keys(self) -> Iterator[str]:
        """Every stored key (for verification and rebuilding)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                if KEY_PATTERN.match(item["Key"]):
                    yield item["Key"]


def _check(expected: str | None, digest) -> None:
    if expected is not None and digest.hexdigest() != expected:
        raise StorageError(f"refused to store {expected}: the bytes hash to {digest.hexdigest()}")


def create_buckets(client, originals: str, derived: str, retention_days: int) -> None:
    """Make the two buckets if missing: originals with Object Lock and a default COMPLIANCE
    retention of `retention_days` (write-once in the store itself), derived files plain."""
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if originals not in existing:
        client.create_bucket(Bucket=originals, ObjectLockEnabledForBucket=True)
        client.put_object_lock_configuration(Bucket=originals, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": retention_days}}})
    if derived not in existing:
        client.create_bucket(Bucket=derived)


def build_s3_stores(config):
    """(originals, derived) S3Stores for an app's config."""
    client = make_client(config)
    part_bytes = config["EVIDENCE_S3_PART_MB"] * 1024 * 1024
    return (S3Store(client, config["EVIDENCE_S3_BUCKET"], write_once=True, part_bytes=part_bytes),
            S3Store(client, config["EVIDENCE_S3_DERIVED_BUCKET"], write_once=False,
                    part_bytes=part_bytes))


def copy_to_temp(store: S3Store, key: str, target: io.BufferedWriter) -> None:
    """Copy a stored object into an open local file, in blocks (to decode a photo again)."""
    with store.open(key) as stream:
        while block := stream.read(1024 * 1024):
            target.write(block)
