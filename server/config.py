"""Every setting of FieldCase, read from the environment in this one place.

Each setting is `FIELDCASE_<NAME>` in the environment (e.g. `FIELDCASE_DATABASE_URL`) and has a
default that needs no set-up: an SQLite file and the evidence folder under `storage/`.
"""
from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

PREFIX = "FIELDCASE_"
ROOT_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return default if value in (None, "") else value


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None else int(value)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def load_secret_key(storage_dir: Path) -> str:
    """Return the secret key kept in storage/, creating it (mode 0600) on first start.

    Several gunicorn workers may start at once: O_EXCL makes exactly one of them write it.
    """
    path = storage_dir / "secret_key"
    storage_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the creating worker may not have written it yet
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it to generate a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
        f.flush()
        os.fsync(f.fileno())
    return key


class Config:
    """Settings with their defaults; `create_app(config)` applies a mapping on top."""

    def __init__(self) -> None:
        # Folder of runtime data: the SQLite database, evidence files, keys.
        self.STORAGE_DIR = Path(_env("STORAGE_DIR", str(ROOT_DIR / "storage"))).resolve()
        # SQLAlchemy URL; PostgreSQL e.g. postgresql+psycopg://user:pass@host/fieldcase.
        # Unset: an SQLite file in STORAGE_DIR.
        self.SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL")
        # Signs session cookies; generated and kept in STORAGE_DIR/secret_key when unset.
        self.SECRET_KEY = _env("SECRET_KEY")
        # Idle lifetime of a login session; every request extends it (a field day by default).
        self.SESSION_IDLE_HOURS = _env_int("SESSION_IDLE_HOURS", 14)
        # The session cookie is re-signed (its idle lifetime extended) at most this often, not on
        # every request (server/accounts/session_cookie.py).
        self.SESSION_RENEW_SECONDS = _env_int("SESSION_RENEW_SECONDS", 60)
        # Absolute lifetime of a login session, however active.
        self.SESSION_MAX_DAYS = _env_int("SESSION_MAX_DAYS", 7)
        # Mark the session cookie Secure (set when served over HTTPS behind a proxy).
        self.SECURE_COOKIES = _env_bool("SECURE_COOKIES", False)
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        self.TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
        # Largest JSON request body accepted, in bytes.
        self.JSON_MAX_BYTES = _env_int("JSON_MAX_BYTES", 8 * 1024 * 1024)
        # Failed logins for one account within the window before it is locked.
        self.LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
        # Failed logins from one address within the window after which its failures are answered
        # 429 (a correct password from it is never refused for other accounts' failures).
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
        # Window over which failures are counted, and the length of a lockout, in minutes.
        self.LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
        # Argon2id cost: memory in KiB and passes (OWASP: 19 MiB, 2 passes at least).
        self.ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 19456)
        self.ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
        # Most records in one sync batch, and how old a record's device times may be.
        self.SYNC_MAX_RECORDS = _env_int("SYNC_MAX_RECORDS", 200)
        self.SYNC_MAX_RECORD_AGE_DAYS = _env_int("SYNC_MAX_RECORD_AGE_DAYS", 365)
        # The audit log is signed (a checkpoint) at least this often while entries are added.
        self.AUDIT_CHECKPOINT_MINUTES = _env_int("AUDIT_CHECKPOINT_MINUTES", 10)
        # Processes that read the log at once in `audit verify` (1: in the CLI's own process).
        self.AUDIT_VERIFY_WORKERS = _env_int("AUDIT_VERIFY_WORKERS", os.cpu_count() or 1)
        # A file to which the audit sequencer appends one line per batch: milliseconds spent
        # waiting for the log's lock, milliseconds holding it, entries moved (bench/serialized_section.py).
        self.AUDIT_SEQUENCER_TIMINGS = _env("AUDIT_SEQUENCER_TIMINGS")
        # A file to which each SQLite writer's turn appends one line: milliseconds waited for it,
        # held, and CPU of the thread holding it (server/writer_lock.py; bench/wrk_sync.py).
        self.WRITER_LOCK_TIMINGS = _env("WRITER_LOCK_TIMINGS")
        # SQLite: syncs of a process waiting for the writer's turn at once share one commit.
        self.SYNC_GROUP_COMMIT = _env_bool("SYNC_GROUP_COMMIT", True)
        # The witness that co-signs checkpoints (README "Witness"): its base URL and its Ed25519
        # public key (hex, from `python -m server.witness show`). Unset: checkpoints unwitnessed.
        self.WITNESS_URL = _env("WITNESS_URL")
        self.WITNESS_KEY = _env("WITNESS_KEY")
        # Seconds to wait for the witness's answer; seconds between attempts while it is
        # unreachable (checkpoints are made regardless and co-signed once it answers again).
        self.WITNESS_TIMEOUT_SECONDS = _env_int("WITNESS_TIMEOUT_SECONDS", 10)
        self.WITNESS_RETRY_SECONDS = _env_int("WITNESS_RETRY_SECONDS", 60)
        # Folder holding the form definitions (forms/*.yaml).
        self.FORMS_DIR = Path(_env("FORMS_DIR", str(ROOT_DIR / "forms"))).resolve()
        # Discretion benchmarks (裁量基准) and the no-penalty list: versioned YAML files.
        self.DISCRETION_DIR = Path(_env("DISCRETION_DIR", str(ROOT_DIR / "discretion"))).resolve()
        # Password of the demo accounts for scripted demos; random when unset.
        self.DEMO_PASSWORD = _env("DEMO_PASSWORD")
        # Evidence: largest file accepted by the upload endpoint, in bytes (body-camera video).
        self.EVIDENCE_MAX_BYTES = _env_int("EVIDENCE_MAX_BYTES", 4 * 1024 * 1024 * 1024)
        # Hours an unfinished upload is kept after its last write before `evidence cleanup` removes it.
        self.EVIDENCE_UPLOAD_EXPIRY_HOURS = _env_int("EVIDENCE_UPLOAD_EXPIRY_HOURS", 72)
        # Seconds an upload may stay silent mid-body before its connection is dropped (frees the lock).
        self.EVIDENCE_UPLOAD_IDLE_SECONDS = _env_int("EVIDENCE_UPLOAD_IDLE_SECONDS", 60)
        # Seconds a request waits for another connection to release an upload before answering 423.
        self.EVIDENCE_LOCK_WAIT_SECONDS = _env_int("EVIDENCE_LOCK_WAIT_SECONDS", 5)
        # Largest photo, in pixels, that is decoded for thumbnails; larger ones are refused (bombs).
        self.EVIDENCE_MAX_PIXELS = _env_int("EVIDENCE_MAX_PIXELS", 64_000_000)
        # Photos are decoded in a child process of each worker (server/evidence/decoder.py),
        # replaced after this many photos or this much memory, and stopped when idle this long.
        self.EVIDENCE_DECODER_MAX_JOBS = _env_int("EVIDENCE_DECODER_MAX_JOBS", 500)
        self.EVIDENCE_DECODER_MAX_RSS_MB = _env_int("EVIDENCE_DECODER_MAX_RSS_MB", 150)
        self.EVIDENCE_DECODER_IDLE_SECONDS = _env_int("EVIDENCE_DECODER_IDLE_SECONDS", 30)
        # Documents and printed records are laid out (WeasyPrint) in a child process of each
        # worker (server/pdf.py; about 80 MB with the CJK fonts): replaced after this many PDFs
        # or this much memory, and stopped when idle this long.
        self.PDF_MAX_JOBS = _env_int("PDF_MAX_JOBS", 200)
        self.PDF_MAX_RSS_MB = _env_int("PDF_MAX_RSS_MB", 300)
        self.PDF_IDLE_SECONDS = _env_int("PDF_IDLE_SECONDS", 60)
        # The officers' app (PWA) served at `/`: its files, precached by its service worker.
        self.PWA_DIR = Path(_env("PWA_DIR", str(ROOT_DIR / "static" / "pwa"))).resolve()
        # Where originals and derived files are kept: "local" (folders under STORAGE_DIR) or "s3"
        # (an S3-compatible object store, settings below; docs/storage.md). Any other value
        # stops the app at start (server/evidence/storage.py's build_stores).
        self.EVIDENCE_STORE = _env("EVIDENCE_STORE", "local")
        # Folder of unfinished uploads' bytes (tus); with several app servers, one they all mount
        # (docs/storage.md). Default: STORAGE_DIR/uploads.
        self.EVIDENCE_STAGING_DIR = _env("EVIDENCE_STAGING_DIR")
        # S3 store: endpoint URL (e.g. http://127.0.0.1:8333 for SeaweedFS), keys and region.
        self.EVIDENCE_S3_ENDPOINT = _env("EVIDENCE_S3_ENDPOINT")
        self.EVIDENCE_S3_ACCESS_KEY = _env("EVIDENCE_S3_ACCESS_KEY")
        self.EVIDENCE_S3_SECRET_KEY = _env("EVIDENCE_S3_SECRET_KEY")
        self.EVIDENCE_S3_REGION = _env("EVIDENCE_S3_REGION", "us-east-1")
        # S3 store: the originals' bucket (Object Lock) and the derived files' bucket (a cache).
        self.EVIDENCE_S3_BUCKET = _env("EVIDENCE_S3_BUCKET", "fieldcase-evidence")
        self.EVIDENCE_S3_DERIVED_BUCKET = _env("EVIDENCE_S3_DERIVED_BUCKET", "fieldcase-derived")
        # S3 store: size of one part of a multipart upload, in MiB (memory held per upload).
        self.EVIDENCE_S3_PART_MB = _env_int("EVIDENCE_S3_PART_MB", 8)
        # S3 store: days of COMPLIANCE retention `evidence s3-init` sets on the originals' bucket.
        self.EVIDENCE_S3_RETENTION_DAYS = _env_int("EVIDENCE_S3_RETENTION_DAYS", 3650)
        # Reviewer flags: EXIF time this many minutes from the device's captured-at time.
        self.EVIDENCE_CLOCK_TOLERANCE_MINUTES = _env_int("EVIDENCE_CLOCK_TOLERANCE_MINUTES", 10)
        # Reviewer flags: photo GPS this many metres from the inspection's place.
        self.EVIDENCE_PLACE_TOLERANCE_M = _env_int("EVIDENCE_PLACE_TOLERANCE_M", 1000)
        # Reviewer flags: captured this many minutes after the inspection finished.
        self.EVIDENCE_LATE_MINUTES = _env_int("EVIDENCE_LATE_MINUTES", 60)
        # Review: days a legal reviewer has to give an opinion on a major decision (calendar days).
        self.LEGAL_REVIEW_DAYS = _env_int("LEGAL_REVIEW_DAYS", 5)
        # Cases: a deadline this many working days away or fewer shows in the warnings list.
        self.CASE_WARNING_WORKING_DAYS = _env_int("CASE_WARNING_WORKING_DAYS", 3)
        # Payments: the HMAC-SHA256 key the provincial payment platform signs notices with
        # (unset: the platform endpoint refuses every notice), and the clock skew it may have.
        self.PAYMENT_PLATFORM_SECRET = _env("PAYMENT_PLATFORM_SECRET", "")
        self.PAYMENT_PLATFORM_MAX_SKEW_SECONDS = _env_int("PAYMENT_PLATFORM_MAX_SKEW_SECONDS", 300)
        # 防止执法扰民: a record naming a target inspected within this many days must say why.
        self.TARGET_REVISIT_WINDOW_DAYS = _env_int("TARGET_REVISIT_WINDOW_DAYS", 30)
        # Early warnings: a subject with findings in two inspections within this many days.
        self.OVERSIGHT_REPEAT_FINDING_DAYS = _env_int("OVERSIGHT_REPEAT_FINDING_DAYS", 30)
        # Random inspection plans (双随机): default share per credit class, as decimal text
        # ("A=0.03,B=0.05,C=0.10,D=1"); a plan may set its own shares or counts.
        self.DRAW_DEFAULT_SHARES = _env("DRAW_DEFAULT_SHARES", "A=0.03,B=0.05,C=0.10,D=1")
        # Random inspection plans: default exclusion window, in days (targets inspected within it are left out).
        self.DRAW_EXCLUSION_DAYS = _env_int("DRAW_EXCLUSION_DAYS", 90)
        # 案卷评查: share of a quarter's closed files drawn for review (decimal text) and the
        # minimum drawn (all of them when fewer). legal-review: the bureau's 评查 rule.
        self.REVIEW_SAMPLE_SHARE = _env("REVIEW_SAMPLE_SHARE", "0.10")
        self.REVIEW_SAMPLE_MINIMUM = _env_int("REVIEW_SAMPLE_MINIMUM", 5)
        # The printed record's header: the enforcement body that issues it.
        self.BUREAU_NAME = _env("BUREAU_NAME", "海盐县交通运输局")
        # Enforcement documents (server/documents/): the folder of document types (schema.yaml +
        # template.html each) and the bureau's number prefix, as in 海盐交罚〔2026〕第 12 号.
        self.DOCUMENTS_DIR = Path(_env("DOCUMENTS_DIR", str(ROOT_DIR / "documents"))).resolve()
        self.DOCUMENT_NUMBER_PREFIX = _env("DOCUMENT_NUMBER_PREFIX", "海盐交")
        # The electronic seal (docs/seals.md): the bureau's PKCS#12 from its provincial CA, its
        # passphrase, and extra chain certificates (PEM files separated by ':'). Unset: the demo
        # seal made in STORAGE_DIR/seal/ by `flask documents demo-seal` (演示用, no legal effect).
        self.SEAL_PKCS12 = _env("SEAL_PKCS12")
        self.SEAL_PASSPHRASE = _env("SEAL_PASSPHRASE")
        self.SEAL_CHAIN = _env("SEAL_CHAIN")
        # Seal documents in a background thread of each process (off: only `documents seal`).
        self.SEAL_WORKER = _env_bool("SEAL_WORKER", True)
        # Seconds between the background sealer's looks at the queue when nobody wakes it.
        self.SEAL_POLL_SECONDS = _env_int("SEAL_POLL_SECONDS", 60)
        # Archive packages (server/archive/): 保管期限 by category or document type, overriding the
        # defaults (documents/<type>/schema.yaml; an inspection 30年, a case 永久), as
        # "inspection=30年,penalty_decision=永久"; a package keeps the longest that applies.
        self.ARCHIVE_RETENTION = _env("ARCHIVE_RETENTION", "")
        # The fonds (全宗) code at the head of every archive number (档号), GB/T 18894 style.
        self.ARCHIVE_FONDS = _env("ARCHIVE_FONDS", "HYJT")
        # gunicorn: address to bind, worker processes and threads per worker. Checking records is
        # CPU work in Python: processes, not threads, spread it over the cores (gunicorn's advice
        # of 2 x cores + 1; measured with bench.sync: +20% records/s over 2 workers on 2 cores).
        self.BIND = _env("BIND", f"127.0.0.1:{os.environ.get('PORT') or '8000'}")
        self.WORKERS = _env_int("WORKERS", 2 * (os.cpu_count() or 1) + 1)
        self.THREADS = _env_int("THREADS", 8)
        # A worker is replaced once its resident memory has grown past this (idle, about 100 MB;
        # 130-160 MB once it has signed documents). Photos are decoded and PDFs laid out in
        # children (EVIDENCE_DECODER_*, PDF_*), so a worker grows only from large requests (a
        # 5 MB sync body: 8-25 MB). 0: no limit.
        self.WORKER_MAX_RSS_MB = _env_int("WORKER_MAX_RSS_MB", 300)
        # ... and after this many requests (plus up to the jitter, so that workers do not
        # restart together), a backstop for what memory does not show. A start costs about
        # 2.4 s of CPU: at 1,000 requests it was 2.4 ms per request, a quarter of a one-record
        # sync's, and a latency spike for the requests queued meanwhile. 0: never.
        self.MAX_REQUESTS = _env_int("MAX_REQUESTS", 100_000)
        self.MAX_REQUESTS_JITTER = _env_int("MAX_REQUESTS_JITTER", 10_000)
        # Seconds a request body may stay silent mid-read before the request is cut off (408, no
        # effect). A phone whose link stalls that long has lost it (TCP recovers sooner); its
        # outbox sends again. nginx's client_body_timeout, in front, is the same (deploy/nginx).
        self.REQUEST_BODY_IDLE_SECONDS = _env_int("REQUEST_BODY_IDLE_SECONDS", 30)
        # What is still unread of a refused request's body (a tus PATCH answered 409 or 423 from
        # its headers) is read and discarded, up to this many MiB and seconds, so that a client
        # sending the whole body before reading gets the answer (server/request_body.py). Beyond
        # that the connection closes. 16 MiB covers the PWA's 5 MiB chunks.
        self.REFUSED_BODY_DRAIN_MB = _env_int("REFUSED_BODY_DRAIN_MB", 16)
        self.REFUSED_BODY_DRAIN_SECONDS = _env_int("REFUSED_BODY_DRAIN_SECONDS", 10)
        # Seconds a request may stay silent before gunicorn gives up on it (slow phone uploads).
        self.REQUEST_TIMEOUT = _env_int("REQUEST_TIMEOUT", 300)
        # Provincial export (docs/export.md): who the events come from, the base URL their links
        # use (unset: paths), the largest page a collector may ask for, and webhook delivery:
        # seconds to wait for a receiver, attempts before a dead letter, backoff base and cap,
        # seconds between polls of the outbox, and whether each process runs a delivery thread.
        self.EXPORT_SOURCE = _env("EXPORT_SOURCE", self.BUREAU_NAME)
        self.EXPORT_BASE_URL = _env("EXPORT_BASE_URL", "")
        self.EXPORT_PAGE_MAX = _env_int("EXPORT_PAGE_MAX", 500)
        self.EXPORT_WEBHOOK_TIMEOUT_SECONDS = _env_int("EXPORT_WEBHOOK_TIMEOUT_SECONDS", 15)
        self.EXPORT_MAX_ATTEMPTS = _env_int("EXPORT_MAX_ATTEMPTS", 10)
        self.EXPORT_RETRY_BASE_SECONDS = _env_int("EXPORT_RETRY_BASE_SECONDS", 5)
        self.EXPORT_RETRY_MAX_SECONDS = _env_int("EXPORT_RETRY_MAX_SECONDS", 6 * 3600)
        self.EXPORT_POLL_SECONDS = _env_int("EXPORT_POLL_SECONDS", 10)
        # Wakes within this many milliseconds of the thread's last round are served by one round
        # after it: under a burst of writes, a round per write cost a quarter of a sync's CPU.
        self.EXPORT_WAKE_COALESCE_MS = _env_int("EXPORT_WAKE_COALESCE_MS", 500)
        self.EXPORT_DELIVERY_THREAD = _env_bool("EXPORT_DELIVERY_THREAD", True)
        # Log level of the app's own logger.
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")

    def flask_mapping(self) -> dict:
        """The settings as Flask config keys, including derived Flask/extension keys."""
        mapping = {k: v for k, v in vars(self).items() if k.isupper()}
        if not self.SQLALCHEMY_DATABASE_URI:
            mapping["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(self.STORAGE_DIR) / 'fieldcase.sqlite3'}"
        mapping.update(
            SQLALCHEMY_TRACK_MODIFICATIONS=False,
            PERMANENT_SESSION_LIFETIME=timedelta(hours=self.SESSION_IDLE_HOURS),
            SESSION_REFRESH_EACH_REQUEST=True,
            SESSION_COOKIE_NAME="fieldcase_session",
            SESSION_COOKIE_SECURE=self.SECURE_COOKIES,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            MAX_CONTENT_LENGTH=self.JSON_MAX_BYTES,
            API_TITLE="FieldCase API",
            API_VERSION="1",
            OPENAPI_VERSION="3.0.3",
            OPENAPI_URL_PREFIX="/api",
            OPENAPI_JSON_PATH="openapi.json",
        )
        return mapping
