"""`flask --app server targets import FILE`: load a target file, all rows or none."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..errors import ApiError
from ..extensions import db
from .imports import import_target_file

targets_cli = AppGroup("targets", help="The directory of inspection targets (检查对象名录库).")


@targets_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path):
    """Load FILE (CSV or XLSX, header row in Chinese); nothing is stored if any row is wrong."""
    try:
        summary = import_target_file(file.read_bytes(), file.name, actor=None)
    except ApiError as error:
        db.session.rollback()
        click.echo(f"{error.detail}（共 {error.extra['error_count']} 处）", err=True)
        for problem in error.errors:
            column = f"「{problem['column']}」" if problem["column"] else ""
            click.echo(f"  第 {problem['row']} 行{column}：{problem['message']}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    counts = summary.counts()
    click.echo(f"已导入 {counts['rows']} 行：新增 {counts['created']}，更新 {counts['updated']}，"
               f"未变 {counts['unchanged']}，信用等级变更 {counts['class_changes']}。")
