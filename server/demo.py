"""`flask --app server demo seed`: demo teams and accounts, kept across runs.

Each team has a supervisor and at least two officers, so that either team can run the whole loop
(inspect in pairs, return, amend, review); one legal reviewer serves both teams.

Passwords are random (or FIELDCASE_DEMO_PASSWORD) and written to storage/demo-accounts.txt
(mode 0600) so that a second `make run` can print them again.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .accounts import service
from .clock import local_today
from .extensions import db

demo_cli = AppGroup("demo", help="Demo data.")

TEAMS = [("A", "执法一中队"), ("B", "执法二中队")]
ACCOUNTS = [
    # username, display name, roles, team, certificate number
    ("officer1", "张伟", ["officer"], "A", "33042420001"),
    ("officer2", "李娜", ["officer"], "A", "33042420002"),
    ("officer3", "王强", ["officer"], "B", "33042420003"),
    ("officer4", "赵敏", ["officer"], "B", "33042420004"),
    ("supervisor1", "陈静", ["supervisor", "officer"], "A", "33042420010"),
    ("supervisor2", "孙浩", ["supervisor", "officer"], "B", "33042420011"),
    ("reviewer1", "刘洋", ["legal_reviewer"], None, None),
    ("admin", "系统管理员", ["admin"], None, None),
]


def _credentials_file() -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "demo-accounts.txt"


def _read_credentials() -> dict[str, str]:
    path = _credentials_file()
    if not path.exists():
        return {}
    return dict(line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)


def _write_credentials(passwords: dict[str, str]) -> None:
    path = _credentials_file()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{name}\t{pw}\n" for name, pw in passwords.items())


def seed_demo(fixed_password: str | None) -> dict[str, str]:
    """Create what is missing of the demo data; returns username -> password."""
    known = _read_credentials()
    existing_teams = {t.code for t in service.list_teams()}
    for code, name in TEAMS:
        if code not in existing_teams:
            service.create_team(code, name)
    today = local_today()
    passwords = {}
    for username, name, roles, team, cert in ACCOUNTS:
        user = service.get_user_by_username(username)
        password = fixed_password or known.get(username) or secrets.token_urlsafe(9)
        if user is None:
            service.create_user(
                username, password, display_name=name, roles=roles, team_code=team,
                certificate_number=cert,
                certificate_valid_from=today - timedelta(days=365) if cert else None,
                certificate_valid_until=today + timedelta(days=3 * 365) if cert else None)
        elif fixed_password and known.get(username) != fixed_password:
            service.set_password(user, fixed_password)
        passwords[username] = password if (user is None or fixed_password) else known.get(username, "(unchanged)")
    _write_credentials(passwords)
    seed_directories()
    return passwords


def seed_directories() -> None:
    """The target directory and the officers' certificates with domains (for the draw)."""
    from .officers.demo import seed_certificates
    from .targets.demo import seed_targets

    seed_targets()
    seed_certificates()


@demo_cli.command("seed")
def seed_command():
    """Create the demo teams and accounts (what exists is kept) and print the accounts."""
    passwords = seed_demo(current_app.config.get("DEMO_PASSWORD"))
    db.session.commit()
    click.echo("")
    click.echo("FieldCase demo accounts (用户名 / 密码):")
    for username, name, roles, team, _ in ACCOUNTS:
        click.echo(f"  {username:<12} {passwords[username]:<16} {name} "
                   f"[{', '.join(roles)}{'; team ' + team if team else ''}]")
    click.echo("")
