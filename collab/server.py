"""Run the app under gunicorn (threaded worker, one process: Flask-SocketIO's supported shape)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


def sign_in_hint(url: str) -> str:
    from sqlalchemy import func, select

    from collab.accounts.models import User
    from collab.extensions import db

    try:
        first_run = db.session.scalar(select(func.count(User.id))) == 0
    finally:
        # Outside a request every transaction takes SQLite's write lock: never keep it open.
        db.session.remove()
    if first_run:
        return f"First run: open {url}/register - the first account registered becomes the site admin."
    return f"Sign in at {url}/login (or create an admin with: collab create-admin)."


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Built in the worker after the fork, so no database connection crosses processes.
        from collab.app import create_app

        return create_app()


def run_server(host: str, port: int, threads: int = 100) -> None:
    _Server({
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "collab",
    }).run()
