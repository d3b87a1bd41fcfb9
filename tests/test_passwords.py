"""Password hashing in production: the Argon2id cost the README documents (OWASP's minimum,
19 MiB and 2 passes, one lane) is what the app uses, and a password hashed at another cost is
re-hashed at the production cost when its user next logs in.

The other tests hash at the cheapest cost (conftest.FAST_HASHING); this one does not.
"""
import re

import pytest
from argon2 import PasswordHasher

from server.accounts import service
from server.config import Config
from server.extensions import db

from .conftest import FAST_HASHING, PASSWORD, ROOT

DOCUMENTED = re.compile(r"^\| `FIELDCASE_ARGON2_MEMORY_KIB`, `FIELDCASE_ARGON2_TIME_COST` \| (\d+), (\d+) \|",
                        re.MULTILINE)


@pytest.fixture
def app_config(app_config, monkeypatch):
    """The test app at the production cost (no environment override, no FAST_HASHING)."""
    monkeypatch.delenv("FIELDCASE_ARGON2_MEMORY_KIB", raising=False)
    monkeypatch.delenv("FIELDCASE_ARGON2_TIME_COST", raising=False)
    return {key: value for key, value in app_config.items() if key not in FAST_HASHING}


def _parameters(password_hash: str) -> tuple[str, int, int, int]:
    """(variant, memory KiB, passes, lanes) from an encoded Argon2 hash."""
    variant, m, t, p = re.match(r"^\$(argon2\w+)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", password_hash).groups()
    return variant, int(m), int(t), int(p)


def test_the_documented_cost_is_the_default_and_meets_owasp(app_config):
    documented = DOCUMENTED.search((ROOT / "README.md").read_text())
    assert documented, "README's configuration table lists the Argon2 cost"
    memory, passes = int(documented[1]), int(documented[2])
    config = Config()
    assert (config.ARGON2_MEMORY_KIB, config.ARGON2_TIME_COST) == (memory, passes) == (19456, 2)


def test_passwords_are_hashed_and_verified_at_the_production_cost(app, client):
    user = service.create_user("officer9", PASSWORD)
    db.session.commit()
    assert _parameters(user.password_hash) == ("argon2id", 19456, 2, 1)
    assert client.post("/api/session", json={"username": "officer9", "password": PASSWORD}).status_code == 200
    stranger = app.test_client()
    assert stranger.post("/api/session", json={"username": "officer9", "password": "wrong-password"}).status_code == 401


def test_a_password_hashed_at_another_cost_is_upgraded_at_login(app, client):
    user = service.create_user("officer9", PASSWORD)
    user.password_hash = PasswordHasher(memory_cost=FAST_HASHING["ARGON2_MEMORY_KIB"],
                                        time_cost=FAST_HASHING["ARGON2_TIME_COST"], parallelism=1).hash(PASSWORD)
    db.session.commit()
    assert client.post("/api/session", json={"username": "officer9", "password": PASSWORD}).status_code == 200
    db.session.expire_all()
    assert _parameters(db.session.get(type(user), user.id).password_hash) == ("argon2id", 19456, 2, 1)
