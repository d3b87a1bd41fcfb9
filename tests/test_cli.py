"""Account management from the command line, and the demo seed that `make run` uses."""
import sqlalchemy as sa

from server.accounts import service
from server.audit.models import AuditEntry
from server.extensions import db


def invoke(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    return result


def test_create_list_disable_set_password_and_certificate(runner, app):
    r = invoke(runner, "teams", "create", "A", "执法一中队")
    assert r.exit_code == 0, r.output
    r = invoke(runner, "users", "create", "zhang", "--password", "a-long-password", "--name", "张三",
               "--role", "officer", "--team", "A")
    assert r.exit_code == 0, r.output
    assert "cert:missing" in invoke(runner, "users", "list").output
    r = invoke(runner, "users", "set-certificate", "zhang", "--number", "330001",
               "--valid-from", "2024-01-01", "--valid-until", "2099-12-31")
    assert r.exit_code == 0 and "valid" in r.output
    r = invoke(runner, "users", "set-password", "zhang", input="another-long-pw\nanother-long-pw\n")
    assert r.exit_code == 0, r.output
    r = invoke(runner, "users", "disable", "zhang")
    assert r.exit_code == 0
    listing = invoke(runner, "users", "list").output
    assert "zhang" in listing and "DISABLED" in listing and "cert:valid" in listing
    actions = db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    # The certificate joins the history (officers' directory), then the account says it changed.
    assert actions == ["team.created", "user.created", "officer.certificate_added", "user.certificate_set",
                       "user.password_set", "user.updated"]


def test_cli_errors_are_clear_and_change_nothing(runner, app):
    r = invoke(runner, "users", "create", "li", "--password", "short")
    assert r.exit_code != 0 and "密码至少 10 位" in r.output
    r = invoke(runner, "users", "create", "li", "--password", "a-long-password", "--team", "Q")
    assert r.exit_code != 0 and "中队" in r.output
    r = invoke(runner, "users", "disable", "ghost")
    assert r.exit_code != 0 and "no such user" in r.output
    assert service.list_users() == []


def test_demo_seed_creates_the_cast_once_and_keeps_data(runner, app, storage_dir):
    r = invoke(runner, "demo", "seed")
    assert r.exit_code == 0, r.output
    for name in ("officer1", "officer2", "officer3", "officer4", "supervisor1", "supervisor2", "reviewer1", "admin"):
        assert name in r.output
    first = {line.split()[0]: line.split()[1] for line in r.output.splitlines()
             if line.startswith("  ")}
    user = service.get_user_by_username("officer3")
    assert user.team.code == "B" and user.certificate_state() == "valid"
    assert service.get_user_by_username("supervisor1").has_role("supervisor")
    again = invoke(runner, "demo", "seed")
    second = {line.split()[0]: line.split()[1] for line in again.output.splitlines()
              if line.startswith("  ")}
    assert first == second  # the same passwords are printed again
    assert len(service.list_users()) == 8
    assert oct((storage_dir / "demo-accounts.txt").stat().st_mode & 0o777) == "0o600"
    client = app.test_client()
    client.login("officer1", first["officer1"])


def test_demo_password_from_settings(runner, app):
    app.config["DEMO_PASSWORD"] = "scripted-demo-pw"
    r = invoke(runner, "demo", "seed")
    assert "scripted-demo-pw" in r.output
    app.test_client().login("reviewer1", "scripted-demo-pw")
