"""FIELDCASE_EVIDENCE_STORE names where evidence lives (`local` or `s3`), and a wrong name
stops the app at start instead of failing the first upload of the day."""
import pytest

from server import create_app
from server.evidence.storage import LocalStore


def test_the_local_store_is_opened_at_start_under_the_storage_folder(app_config):
    app_config = {**app_config, "EVIDENCE_STORE": "local"}
    app = create_app(app_config)
    stores = app.extensions["evidence_stores"]
    assert isinstance(stores.originals, LocalStore) and stores.originals.write_once
    assert stores.originals.root == app_config["STORAGE_DIR"] / "evidence"
    assert stores.derived.root == app_config["STORAGE_DIR"] / "derived" and not stores.derived.write_once


def test_an_unknown_store_stops_the_start(app_config):
    with pytest.raises(RuntimeError, match="FIELDCASE_EVIDENCE_STORE='nas': 'local' or 's3'"):
        create_app({**app_config, "EVIDENCE_STORE": "nas"})
