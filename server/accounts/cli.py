"""`flask --app server users …` and `teams …`: account management from the command line."""
from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from ..errors import ApiError
from ..extensions import db
from ..officers.current import adopt_certificate_columns, set_current_certificate
from . import service
from .models import ROLES

users_cli = AppGroup("users", help="Manage accounts.")
teams_cli = AppGroup("teams", help="Manage teams (执法中队).")


def _fail(error: ApiError) -> None:
    db.session.rollback()
    details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (error.errors or {}).items())
    raise click.ClickException(f"{error.detail} {details}".strip())


def _user(username: str):
    user = service.get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    return user


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", help="Display name (e.g. 张三).")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), default=["officer"],
              show_default=True, help="Repeat for several roles.")
@click.option("--team", help="Team code.")
@click.option("--certificate", help="Certificate (执法证) number.")
@click.option("--valid-from", help="Certificate valid from (YYYY-MM-DD).")
@click.option("--valid-until", help="Certificate valid until (YYYY-MM-DD).")
def create_user(username, password, display_name, roles, team, certificate, valid_from, valid_until):
    """Create an account."""
    try:
        user = service.create_user(username, password, display_name=display_name, roles=list(roles),
                                   team_code=team, certificate_number=certificate,
                                   certificate_valid_from=_date(valid_from),
                                   certificate_valid_until=_date(valid_until))
        adopt_certificate_columns(user, actor=None)  # the certificate history, as set-certificate
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created {user.username} ({', '.join(user.roles)})")


@users_cli.command("list")
def list_users():
    """List accounts with roles, team and certificate state."""
    for u in service.list_users():
        click.echo(f"{u.username:<16} {u.display_name:<12} {','.join(u.roles):<28} "
                   f"{u.team.code if u.team else '-':<6} cert:{u.certificate_state():<13} "
                   f"{'active' if u.is_active else 'DISABLED'}")


@users_cli.command("disable")
@click.argument("username")
def disable_user(username):
    """Disable an account and log out its sessions."""
    service.update_user(_user(username), {"active": False})
    db.session.commit()
    click.echo(f"disabled {username}")


@users_cli.command("enable")
@click.argument("username")
def enable_user(username):
    """Enable a disabled account."""
    service.update_user(_user(username), {"active": True})
    db.session.commit()
    click.echo(f"enabled {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(username, password):
    """Set an account's password and log out its sessions."""
    try:
        service.set_password(_user(username), password)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"password set for {username}")


@users_cli.command("set-certificate")
@click.argument("username")
@click.option("--number", required=True, help="Certificate (执法证) number; '' to remove.")
@click.option("--valid-from", help="YYYY-MM-DD")
@click.option("--valid-until", help="YYYY-MM-DD")
def set_certificate(username, number, valid_from, valid_until):
    """Record an officer's enforcement certificate (in the certificate history)."""
    start, end = _date(valid_from), _date(valid_until)
    if number and not end:
        raise click.ClickException("--valid-until is required with a certificate number")
    if start and end and end < start:
        raise click.ClickException("--valid-until is before --valid-from")
    user = _user(username)
    try:
        set_current_certificate(user, number or None, start, end)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"{username}: certificate {user.certificate_state()}")


@teams_cli.command("create")
@click.argument("code")
@click.argument("name")
def create_team(code, name):
    """Create a team."""
    try:
        service.create_team(code, name)
    except ApiError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created team {code}")


@teams_cli.command("list")
def list_teams():
    """List teams."""
    for t in service.list_teams():
        click.echo(f"{t.code:<8} {t.name}")
