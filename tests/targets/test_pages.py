"""The directory's pages for supervisors and admins: the list with filters, and a target's page
with its credit-class history and inspection history (revisit reasons shown)."""
from __future__ import annotations

import sqlalchemy as sa

from server.extensions import db
from server.targets.models import Target

from .test_revisit import days_ago, load_directory, overload_record, sync


def test_a_supervisor_reads_the_directory_and_a_targets_history(login_as, app):
    ids = load_directory(login_as)
    officer = login_as("officer1")
    [old] = sync(officer, overload_record(started_at=days_ago(3)))
    [new] = sync(officer, overload_record(target_id=ids["浙F12345"], revisit_reason="上次检查发现超载，跟踪复查"))
    supervisor = login_as("supervisor1")

    page = supervisor.get("/targets/").get_data(as_text=True)
    assert "检查对象名录库" in page and "华为技术有限公司" in page and "浙海盐货1234" in page
    only_d = supervisor.get("/targets/", query_string={"credit_class": "D"}).get_data(as_text=True)
    assert "浙F12345 重型半挂牵引车" in only_d and "华为技术有限公司" not in only_d
    found = supervisor.get("/targets/", query_string={"q": "腾讯"}).get_data(as_text=True)
    assert "深圳市腾讯计算机系统有限公司" in found and "华为" not in found

    detail = supervisor.get(f"/targets/{ids['浙F12345']}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "D级（不合格）" in text and "信用等级变更记录" in text and "检查记录（2 次）" in text
    assert f"/review/#/inspection/{new['uuid']}" in text and f"/review/#/inspection/{old['uuid']}" in text
    assert "上次检查发现超载，跟踪复查" in text and "公路超限超载" in text
    assert db.session.execute(sa.select(sa.func.count()).select_from(Target)).scalar() == 5


def test_who_may_open_the_pages(client, login_as, personas):
    anonymous = client.get("/targets/")
    assert anonymous.status_code == 401 and "前往登录" in anonymous.get_data(as_text=True)
    assert login_as("officer1").get("/targets/").status_code == 403
    assert login_as("admin").get("/targets/").status_code == 200
    assert login_as("admin").get("/targets/999").status_code == 404
