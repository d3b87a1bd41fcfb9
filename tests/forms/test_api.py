"""The forms API over HTTP, publication of versions, and the refusal of an edited published version."""
import csv
import io
import shutil

import pytest
import sqlalchemy as sa

from server import create_app
from server.audit.models import AuditEntry
from server.config import ROOT_DIR
from server.extensions import db
from server.forms import service
from server.forms.models import PublishedFormVersion

from ..conftest import ApiClient


def test_forms_need_a_login(client):
    r = client.get("/api/forms")
    assert r.status_code == 401 and r.mimetype == "application/problem+json"


def test_list_of_forms_is_cached_and_revalidated(login_as):
    officer = login_as("officer1")
    r = officer.get("/api/forms")
    assert r.status_code == 200
    forms = {(f["id"], f["version"]): f for f in r.get_json()}
    assert {fid for fid, _ in forms} == {"road-passenger", "dangerous-goods", "overload",
                                         "ship-pollution", "road-patrol", "taxi"}
    overload = forms[("overload", 2)]
    assert overload["title"] == "公路超限超载检查" and overload["domain"] == "overload"
    assert len(overload["hash"]) == 64 and overload["current"] is True
    assert forms[("overload", 1)]["current"] is False  # kept for the records that name it
    assert r.headers["Cache-Control"] == "no-cache"
    etag = r.headers["ETag"]
    again = officer.get("/api/forms", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert officer.get("/api/forms", headers={"If-None-Match": '"stale"'}).status_code == 200


def test_one_form_version_with_etag(login_as):
    officer = login_as("officer1")
    r = officer.get("/api/forms/overload/1")
    assert r.status_code == 200
    form = r.get_json()
    assert form["hash"] == service.get_form_version("overload", 1).content_hash
    sections = [s["id"] for s in form["sections"]]
    assert sections[0] == "onsite_opening" and sections[-1] == "onsite_closing"
    items = {i["id"]: i for s in form["sections"] for i in s["items"]}
    assert items["excess_rate"]["compute"] and items["within_limit"]["violation"]["penalty"]["article"]
    assert items["plate"]["required"] is True and items["owner_phone"]["required"] is False
    assert officer.get("/api/forms/overload/1", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("path", ["/api/forms/overload/9", "/api/forms/nope/1"])
def test_unknown_form_or_version_is_a_404_problem(login_as, path):
    r = login_as("officer1").get(path)
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == "form.not_found"


def test_supervision_items_are_public_json(client):
    r = client.get("/api/supervision-items")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-cache"
    rows = r.get_json()
    failable = sum(1 for f in service.current_versions() for ref in f.items.values() if ref.item["type"] == "check")
    assert len(rows) == failable
    overload = next(row for row in rows if row["violation_code"] == "overload.gross_mass")
    assert overload["penalty"] == "《公路安全保护条例》第六十四条" and overload["domain_label"] == "公路超限超载"
    assert client.get("/api/supervision-items", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_supervision_items_as_csv_open_in_excel(client):
    r = client.get("/api/supervision-items?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["序号", "监管领域", "检查表单"] and "处罚依据" in header
    assert len(body) == len(client.get("/api/supervision-items").get_json())
    assert all(len(row) == len(header) for row in body)
    assert [row[0] for row in body] == [str(n) for n in range(1, len(body) + 1)]
    assert b"\r\n" in r.data


def test_unknown_format_is_refused(client):
    r = client.get("/api/supervision-items?format=xlsx")
    assert r.status_code == 422 and "format" in r.get_json()["errors"]


def test_forms_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/forms", "/api/forms/{form_id}/{version}", "/api/supervision-items"} <= set(paths)
    assert "304" in paths["/api/forms/{form_id}/{version}"]["get"]["responses"]


def published():
    return db.session.execute(sa.select(PublishedFormVersion).order_by(PublishedFormVersion.form_id)).scalars().all()


def test_publishing_keeps_each_version_once_and_audits_it(app, runner):
    assert published() == []
    result = runner.invoke(args=["forms", "publish"])
    assert result.exit_code == 0 and "12 new" in result.output
    assert runner.invoke(args=["forms", "publish"]).output.strip().endswith("0 new, 12 already published")
    rows = published()
    assert [(r.form_id, r.version) for r in rows][:2] == [("dangerous-goods", 1), ("dangerous-goods", 2)]
    actions = db.session.execute(sa.select(AuditEntry).filter_by(action="form.version_loaded")).scalars().all()
    assert sorted(a.object_id for a in actions) == sorted(f"{r.form_id}/{r.version}" for r in rows)
    assert "published" in runner.invoke(args=["forms", "check"]).output


def test_a_published_version_cannot_be_changed_in_the_database(app):
    service.publish_form_versions()
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.update(PublishedFormVersion).values(title="改"))
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def own_forms(tmp_path):
    """A copy of forms/ that a test may edit."""
    folder = tmp_path / "forms"
    shutil.copytree(ROOT_DIR / "forms", folder)
    return folder


def test_an_edited_published_version_stops_the_start(app_config, own_forms):
    app = create_app({**app_config, "FORMS_DIR": own_forms})
    with app.app_context():
        service.publish_form_versions()
        db.session.commit()
        db.session.remove()
    path = own_forms / "taxi-v2.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("计价器）安装", "计价器）安装并"), encoding="utf-8")
    with pytest.raises(service.PublishedVersionChanged) as caught:
        create_app({**app_config, "FORMS_DIR": own_forms})
    assert str(caught.value).startswith("taxi-v2.yaml: form taxi version 2 was published with content hash")
    assert "taxi-v3.yaml" in str(caught.value)
    # Saved as a new version instead, it starts, and both versions are served.
    path.rename(own_forms / "taxi-v3.yaml")
    text = (own_forms / "taxi-v3.yaml").read_text(encoding="utf-8").replace("version: 2", "version: 3", 1)
    (own_forms / "taxi-v3.yaml").write_text(text, encoding="utf-8")
    app = create_app({**app_config, "FORMS_DIR": own_forms})
    with app.app_context():
        assert service.get_form_version("taxi", 3).content_hash != service.get_form_version("taxi", 2).content_hash
        assert service.get_form_version("taxi", 2).source.startswith("taxi-v2.yaml (published")
        db.session.remove()


def test_a_version_whose_file_is_gone_is_still_served(app_config, own_forms, personas):
    app = create_app({**app_config, "FORMS_DIR": own_forms})
    with app.app_context():
        service.publish_form_versions()
        db.session.commit()
        db.session.remove()
    (own_forms / "road-patrol-v1.yaml").unlink()
    app = create_app({**app_config, "FORMS_DIR": own_forms})
    app.test_client_class = ApiClient
    client = app.test_client()
    client.login("officer1")
    assert ("road-patrol", 1) not in {(f["id"], f["version"]) for f in client.get("/api/forms").get_json()}
    r = client.get("/api/forms/road-patrol/1")
    assert r.status_code == 200 and r.get_json()["title"] == "公路路政巡查"
    with app.app_context():
        db.session.remove()
