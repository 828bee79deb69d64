"""The `collab` command: serve, db upgrade, create-admin, demo (and Flask's shell and routes)."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext


def _create_app():
    from collab.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             help="collab: communities with wiki, blogs, forums, chat and search.\n\n"
                  "COLLAB_INSTANCE_PATH chooses the instance folder (default ./instance).")
def main():
    pass


main.add_command(shell_command)
main.add_command(routes_command)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=int(os.environ.get("COLLAB_THREADS", "100")), show_default=True,
              help="Worker threads (each open live connection holds one).")
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
@with_appcontext
def serve(host: str, port: int, threads: int, no_migrate: bool):
    """Migrate the database, then serve HTTP and Socket.IO (gunicorn, one process)."""
    from flask import current_app

    from collab.server import run_server, sign_in_hint

    if not no_migrate:
        _upgrade()
    url = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}"
    click.echo(f"collab is serving on {url}")
    click.echo(sign_in_hint(url))
    click.echo(f"Instance folder: {current_app.instance_path}")
    sys.stdout.flush()
    from collab.extensions import db

    # No connection or transaction of this (master) process may outlive start-up or cross the fork.
    db.session.remove()
    db.engine.dispose()
    run_server(host, port, threads)


def _upgrade():
    from flask_migrate import upgrade

    upgrade()


@main.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def create_admin(username: str, email: str, password: str):
    """Create a site admin account (or make an existing account admin)."""
    from collab.accounts import services
    from collab.extensions import db

    _upgrade()
    existing = services.find_by_username(username)
    if existing:
        existing.is_admin = True
        existing.set_password(password)
        db.session.commit()
        click.echo(f"{existing.username} is a site admin; the password was reset.")
        return
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    try:
        user = services.create_user(username, email, password, is_admin=True)
    except services.AccountError as e:
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Created site admin {user.username}.")


@main.command("demo")
@click.option("--password", default="demo-password", show_default=True, help="Password of every demo account.")
@with_appcontext
def demo(password: str):
    """Fill this instance with realistic communities, people and content (English and Chinese)."""
    from collab.demo import load_demo

    _upgrade()
    summary = load_demo(password)
    click.echo(summary)


if __name__ == "__main__":  # pragma: no cover
    main()
