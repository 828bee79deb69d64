"""Analytics tables: daily aggregates only, nothing that says who read what.

A *scope* names what a row counts for: ``"c<id>"`` a community, ``"site"`` the whole site. Rows of
a community scope also carry ``community_id`` (a foreign key that cascades), so deleting a
community deletes its figures; site rows have none.

- ``analytics_daily``: one number per (day, scope, metric): views, visitors, posts:<tool>,
  new_members, likes. Past days never change once the day is over and rolled up.
- ``analytics_content``: views and likes per (day, content key), for "most viewed / most liked".
- ``analytics_content_monthly``: the same per finished month.
- ``analytics_active``: per (day, scope, person) how many things they did and posted that day,
  for distinct active people over a week or a period and for top contributors. The activity
  stream already shows these actions; this is a count of them.
- ``analytics_active_monthly``: the same per (month, scope, person), so a year's distinct active
  people and top contributors read twelve months of rows plus the days around them.
- ``analytics_top``: the most viewed and liked items of the settled days of a period (its first
  and last settled day), so a year's top lists are one row to read, not a sum over every item of
  the year; today's views are added when the page is read. Shared by every server process.
- ``analytics_visitors``: today's unique-visitor tokens: a hash of (the day's random salt, the
  reader). The salt is deleted once the day is counted, and the tokens with it, so a token can
  never be traced back to a person, nor linked from one day to the next.
- ``analytics_state``: small named values (the last activity event rolled up).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from collab.extensions import db

SITE = "site"
SCOPE_MAX = 24
KEY_MAX = 80


def scope_of(community_id: int | None) -> str:
    return SITE if community_id is None else f"c{community_id}"


class DailyFigure(db.Model):
    __tablename__ = "analytics_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_MAX), primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    __table_args__ = (
        Index("ix_analytics_daily_scope_day", "scope", "day"),
        Index("ix_analytics_daily_community_id", "community_id"),
    )


class ContentDaily(db.Model):
    __tablename__ = "analytics_content"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    likes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_analytics_content_community_day", "community_id", "day", "key", "views", "likes"),
        Index("ix_analytics_content_day", "day", "key", "views", "likes"),
    )


class ContentMonthly(db.Model):
    """``analytics_content`` summed per calendar month, once the month is over (so a year's
    "most viewed" reads twelve months of rows, not 365 days of them)."""

    __tablename__ = "analytics_content_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the 1st of the month
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    likes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_analytics_content_monthly_community_month", "community_id", "month", "key", "views", "likes"),
        Index("ix_analytics_content_monthly_month", "month", "key", "views", "likes"),
    )


class ActiveDaily(db.Model):
    __tablename__ = "analytics_active"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week: Mapped[date] = mapped_column(Date, nullable=False)  # the Monday of ``day``'s week
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    actions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    posts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_analytics_active_scope_day", "scope", "day", "user_id", "posts", "actions"),
        Index("ix_analytics_active_scope_week", "scope", "week", "user_id"),
        Index("ix_analytics_active_user_id", "user_id"),
        Index("ix_analytics_active_community_id", "community_id"),
    )


class ActiveMonthly(db.Model):
    """``analytics_active`` summed per calendar month, kept by the same roll-up round (the same
    transaction), so it never disagrees with the daily rows."""

    __tablename__ = "analytics_active_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the 1st of the month
    scope: Mapped[str] = mapped_column(String(SCOPE_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    actions: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    posts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        Index("ix_analytics_active_monthly_scope_month", "scope", "month", "user_id", "posts", "actions"),
        Index("ix_analytics_active_monthly_user_id", "user_id"),
        Index("ix_analytics_active_monthly_community_id", "community_id"),
    )


class TopSnapshot(db.Model):
    __tablename__ = "analytics_top"

    scope: Mapped[str] = mapped_column(String(SCOPE_MAX), primary_key=True)
    first_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_day: Mapped[date] = mapped_column(Date, primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON, see collab.analytics.toplists

    __table_args__ = (
        Index("ix_analytics_top_last_day", "last_day"),
        Index("ix_analytics_top_community_id", "community_id"),
    )


class VisitorToken(db.Model):
    __tablename__ = "analytics_visitors"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_MAX), primary_key=True)
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))

    __table_args__ = (Index("ix_analytics_visitors_community_id", "community_id"),)


class DailySalt(db.Model):
    __tablename__ = "analytics_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64), nullable=False)


class State(db.Model):
    __tablename__ = "analytics_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
