"""Flask extensions, created unbound and bound to the app in `create_app`."""
from __future__ import annotations

import click
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from .apidoc import ProblemApi


class Base(DeclarativeBase):
    pass


class DeferredMigrate:
    """Flask-Migrate, bound without importing it: it imports Alembic (and Mako, Pygments), a
    sixth of a process's start-up that only `flask db …` and the tests' migrations use. They get
    the real thing: `flask db` imports it when it runs, and flask_migrate's functions (upgrade…)
    when they first read app.extensions["migrate"]."""

    def init_app(self, app, db: SQLAlchemy, directory: str) -> None:
        app.extensions["migrate"] = _UnloadedMigrateConfig(app, db, directory)
        app.cli.add_command(_MigrationCommands("db", help="Perform database migrations."))


class _UnloadedMigrateConfig:
    """app.extensions["migrate"] until read: then Flask-Migrate's own, bound by Migrate.init_app."""

    def __init__(self, app, db: SQLAlchemy, directory: str):
        self._bind = (app, db, directory)

    def __getattr__(self, name: str):
        from flask_migrate import Migrate

        app, db, directory = self._bind
        Migrate().init_app(app, db, directory=directory)  # replaces this object and `flask db`
        return getattr(app.extensions["migrate"], name)


class _MigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's command group, imported when it runs."""

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as migration_commands

        return migration_commands.make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(model_class=Base)
migrate = DeferredMigrate()
api = ProblemApi()  # errors documented as problem+json
