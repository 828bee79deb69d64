"""Page through a SELECT in SQL (offset pagination for lists people browse page by page)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from collab.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: Select, per_page: int = 24, page: int | None = None, unique: bool = False,
             rows: bool = False) -> Page:
    """One page of ``stmt``: its entities, or its rows with ``rows=True`` (a multi-column SELECT)."""
    if page is None:
        try:
            page = int(request.args.get("page", 1))
        except ValueError:
            page = 1
    page = max(1, min(page, 10_000))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    execute = db.session.execute if rows else db.session.scalars
    result = execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.unique() if unique else result)
    return Page(items=items, page=page, per_page=per_page, total=total or 0)
