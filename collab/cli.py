"""The `collab` command: serve, db upgrade, create-admin, demo (and Flask's shell and routes)."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext


def _create_app():
    from collab.app import create_app
    from collab.config import Config

    config = Config()
    # Commands index explicitly (or leave it to the server's indexer); no background thread here.
    config.SEARCH_INDEXER = "manual"
    config.MAIL_SENDER = "manual"  # `collab serve` starts its sender in the worker it serves from
    config.METRICS_LISTEN = False  # `collab indexer` opens its metrics listener itself
    config.WEBHOOK_SENDER = "manual"  # likewise
    app = create_app(config)
    _apps.append(app)
    return app


_apps: list = []


def _close_apps() -> None:
    """A finished command closes its database connections (and the search index) itself."""
    from collab.extensions import db

    while _apps:
        app = _apps.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        index = app.extensions.get("collab_search")
        if index is not None:
            index.close()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             help="collab: communities with wiki, blogs, forums, chat and search.\n\n"
                  "COLLAB_INSTANCE_PATH chooses the instance folder (default ./instance).")
@click.pass_context
def main(ctx):
    ctx.call_on_close(_close_apps)


main.add_command(shell_command)
main.add_command(routes_command)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--worker", type=click.Choice(["gevent", "gthread"]),
              default=os.environ.get("COLLAB_WORKER", "gevent"), show_default=True,
              help="gthread: a thread per connection; gevent: one hub, a greenlet per connection "
                   "(thousands of live sockets).")
@click.option("--threads", default=int(os.environ.get("COLLAB_THREADS", "100")), show_default=True,
              help="gthread worker: threads (each open live connection holds one).")
@click.option("--connections", default=int(os.environ.get("COLLAB_CONNECTIONS", "10000")), show_default=True,
              help="gevent worker: most simultaneous connections (live sockets included).")
@click.option("--no-migrate", is_flag=True, help="Do not apply database migrations first.")
@click.option("--metrics-address", default=None, metavar="HOST:PORT",
              help="Serve Prometheus metrics of this process there (overrides COLLAB_METRICS).")
@with_appcontext
def serve(host: str, port: int, worker: str, threads: int, connections: int, no_migrate: bool,
          metrics_address: str | None):
    """Migrate the database, then serve HTTP and Socket.IO (gunicorn, one worker process)."""
    from flask import current_app

    from collab.server import run_server, sign_in_hint

    if metrics_address:
        os.environ["COLLAB_METRICS"] = metrics_address  # read by the worker's app
    if not no_migrate:
        _upgrade()
    url = f"http://{host if host not in ('0.0.0.0', '::') else '127.0.0.1'}:{port}"
    os.environ.setdefault("COLLAB_BASE_URL", url)  # links in notification email
    click.echo(f"collab is serving on {url} ({worker} worker)")
    click.echo(sign_in_hint(url))
    click.echo(f"Instance folder: {current_app.instance_path}")
    sys.stdout.flush()
    from collab.extensions import db

    # No connection or transaction of this (master) process may outlive start-up or cross the fork.
    db.session.remove()
    db.engine.dispose()
    _close_apps()  # the gevent worker execs a fresh interpreter: close the index and the pool first
    run_server(host, port, threads=threads, worker=worker, connections=connections)


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
    _index_now()
    click.echo(f"Created site admin {user.username}.")


@main.command("demo")
@click.option("--password", default="demo-password", show_default=True, help="Password of every demo account.")
@with_appcontext
def demo(password: str):
    """Fill this instance with realistic communities, people and content (English and Chinese)."""
    from collab.demo import load_demo

    _upgrade()
    summary = load_demo(password)
    _index_now()
    click.echo(summary)


def _index_now() -> None:
    """Index what a command just wrote, unless a running server holds the index writer."""
    from whoosh.writing import LockError

    from collab.search import flush

    try:
        flush()
    except LockError:
        click.echo("The server is indexing; the new content is queued and will be searchable shortly.")


@main.command("reindex")
@with_appcontext
def reindex():
    """Rebuild the search index from the database (the site keeps working meanwhile)."""
    from flask import current_app

    from collab.search.indexer import keep_postings, rebuild, total_objects

    index = current_app.extensions["collab_search"]
    total = total_objects()
    from whoosh.writing import LockError

    try:
        with click.progressbar(length=total, label="Indexing", show_pos=True, show_percent=True) as bar:
            count = rebuild(index, progress=bar.update)
    except LockError as e:
        raise click.ClickException(str(e)) from None
    laid_out = keep_postings(index)  # big segments' postings as flat arrays (seconds to minutes)
    click.echo(f"Indexed {count} documents ({total} objects read; big segments laid out: {laid_out}); "
               f"index size {index.size_on_disk() / 1e6:.1f} MB.")


@main.command("backup")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Archive to write (default: collab-backup-<UTC time>.tar.gz here).")
@with_appcontext
def backup_command(output: str | None):
    """Write the database (a consistent snapshot, the site may keep running) and uploaded files to one archive."""
    from datetime import datetime, timezone
    from pathlib import Path

    from collab.ops.backup import BackupError, create_backup

    path = Path(output or f"collab-backup-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = create_backup(path)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB): {manifest['backend']} database at revision "
               f"{manifest['revision']}, {manifest['files']} uploaded file(s).")


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(archive: str):
    """Bring a `collab backup` archive back onto an empty instance (then run: collab reindex)."""
    from collab.ops.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(archive)
    except BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Restored the {manifest['backend']} database (revision {manifest['revision']}, taken "
               f"{manifest['created']}) and {manifest['files']} uploaded file(s).")
    click.echo("Next: `collab reindex` rebuilds search; `collab serve` applies newer migrations on start.")


@main.command("search-status")
@with_appcontext
def search_status():
    """Show the indexer backlog, the number of documents and the index size."""
    from flask import current_app

    from collab.search.indexer import backlog

    index = current_app.extensions["collab_search"]
    index.ix
    if index.problem:
        click.echo(f"Problem: {index.problem} (a new index was started; the indexer rebuilds it)")
    click.echo(f"Documents in the index: {index.doc_count()}")
    click.echo(f"Changes waiting to be indexed: {backlog()}")
    click.echo(f"Index folder: {index.path} ({index.size_on_disk() / 1e6:.1f} MB)")
    from collab.search import postings_store

    big = postings_store.big_segments(index.ix)
    if big:
        laid = sum(postings_store.has_arrays(index.path, seg.segment_id()) for seg in big)
        click.echo(f"Big segments with their postings laid out: {laid} of {len(big)}"
                   + ("" if laid == len(big) else " (the indexer is laying out the rest)"))


@main.command("indexer")
@click.option("--poll", default=0.3, show_default=True, help="Seconds between looks at the outbox.")
@click.option("--metrics-address", default=None, metavar="HOST:PORT",
              help="Serve Prometheus metrics (the outbox backlog) there.")
@with_appcontext
def indexer_command(poll: float, metrics_address: str | None):
    """Run the search indexer in the foreground (when the servers run with COLLAB_SEARCH_INDEXER=external)."""
    import signal
    import threading

    from flask import current_app

    from collab.search.indexer import IndexerThread

    address = metrics_address or current_app.config.get("METRICS") or ""
    if ":" in address:
        from collab.ops.metrics import start_listener

        start_listener(current_app._get_current_object(), address)
    thread = IndexerThread(current_app._get_current_object(), current_app.extensions["collab_search"], poll=poll)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    thread.start()
    click.echo("collab indexer running; Ctrl-C to stop.")
    done.wait()
    thread.stop()


@main.command("webhooks")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks for due deliveries.")
@with_appcontext
def webhooks_command(poll: float):
    """Deliver webhooks in the foreground (beside servers run with COLLAB_WEBHOOK_SENDER=manual;
    running it beside senders in the servers is safe too: a delivery is claimed by one sender)."""
    import signal
    import threading

    from flask import current_app

    from collab.webhooks.sender import SenderThread

    thread = SenderThread(current_app._get_current_object(), poll=poll)
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    thread.start()
    click.echo("collab webhook sender running; Ctrl-C to stop.")
    done.wait()
    thread.stop()


@main.command("send-digests")
@with_appcontext
def send_digests_command():
    """Send the daily notification digests now (and any email waiting to go out at once)."""
    from collab.activity import mail

    if not mail.configured():
        raise click.ClickException("No email server: set COLLAB_SMTP_HOST (and COLLAB_SMTP_PORT, _USER, "
                                   "_PASSWORD, _FROM, _TLS).")
    if not mail.base_url():
        raise click.ClickException(mail.NO_BASE_URL)
    now = mail.send_now()
    digests = mail.send_digests()
    click.echo(f"Sent {digests} digest(s) and {now} immediate notification email(s).")


if __name__ == "__main__":  # pragma: no cover
    main()
