"""Operations: request ids and JSON logs, Prometheus metrics, readiness, the 503 page when the
database is away, and backup/restore (core; the tools know nothing of it).

Every piece is configuration only: the embedded default and the scaled-out shape (PostgreSQL,
Redis, several server processes behind a sticky proxy, one ``collab indexer``) run the same code.
"""
from __future__ import annotations

from flask import Flask


def init_ops(app: Flask) -> None:
    from . import health, logs, metrics

    logs.init_logs(app)
    metrics.init_metrics(app)
    health.init_health(app)
