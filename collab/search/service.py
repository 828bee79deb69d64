"""Running searches for a person: the access mask, filters, facets, snippets, suggestions."""
from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, or_, select
from whoosh import query as Q

from collab import access
from collab.accounts.models import User
from collab.extensions import db
from communities.models import RESTRICTED, Community, Membership

from . import facets, registry, segcache, snippets
from .analysis import has_cjk, query_parts
from .index import looks_damaged
from .query import MAX_CLAUSES, MAX_QUERY, Parsed, clean_text, expand_prefixes, parse, text_query

log = logging.getLogger(__name__)

PAGE_SIZE = 20


MAX_PAGE = 500
FACETS = ("type", "community", "author", "tags")
FACET_ROWS = 12  # groups shown per facet
KEPT_PAGES = 256  # result pages kept per searcher (see _run): each holds its set of matches (25 KB at 200,000 documents)


def get_index():
    return current_app.extensions["collab_search"]


# Built once: every search runs it (restricted communities the person is not a member of).
_HIDDEN_COMMUNITIES = select(Community.id).where(
    Community.access == RESTRICTED,
    Community.id.not_in(select(Membership.community_id).where(Membership.user_id == bindparam("user_id"))))


def mask_for(user):
    """What the person may NOT read, as a Whoosh query; None for site admins.

    Community content carries scope "community:<id>"; a restricted community the person is not a
    member of is masked. Private items ("user:<id>", e.g. drafts) are masked unless they are the
    person's own; scopes a tool registered (``registry.register_scope``, e.g. "chat:<room>") are
    masked except those the tool says the person may read. Because this is computed at query time from the database, leaving a community or
    a community turning restricted takes effect on the very next search.
    """
    if access.is_admin(user):
        return None
    hidden = db.session.execute(_HIDDEN_COMMUNITIES, {"user_id": user.id}).scalars().all()
    masks = [Q.Term("scope", f"community:{cid}") for cid in hidden]
    masks.append(Q.AndNot(Q.Prefix("scope", "user:"), Q.Term("scope", f"user:{user.id}")))
    for prefix, allowed in registry.scopes().items():
        mine = [Q.Term("scope", token) for token in allowed(user)]
        masks.append(Q.AndNot(Q.Prefix("scope", prefix), Q.Or(mine)) if mine else Q.Prefix("scope", prefix))
    return Q.Or(masks)


def _utc(value) -> datetime | None:
    """The index keeps times without a zone; they are UTC."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


@dataclass
class Hit:
    type: str
    type_label: str
    title: Markup
    snippet: Markup
    url: str
    community: str | None
    author: str
    created: datetime | None


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    did_you_mean: str | None = None
    notices: list[str] = field(default_factory=list)
    seconds: float = 0.0
    index_problem: str | None = None
    renders: dict | None = None  # what the page made of these results, kept with them (views)


@dataclass
class Filters:
    type: str = ""
    community: str = ""  # community id
    author: str = ""
    tag: str = ""
    date_from: str = ""
    date_to: str = ""
    sort: str = "relevance"


def _parse_date(value: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except (TypeError, ValueError):
        return None


def _resolve_communities(user, names: list[str], notices: list[str]) -> list[str]:
    ids = []
    for name in names:
        c = db.session.scalar(
            select(Community).where(or_(Community.slug == name.lower(), func.lower(Community.name) == name.lower()))
        )
        if c is None or not access.can_view(user, c):
            from flask_babel import gettext as _

            notices.append(_("No community you can see is called “%(name)s”.", name=name))
            ids.append("-1")
        else:
            ids.append(str(c.id))
    return ids


def _resolve_author(name: str, notices: list[str]) -> list[str]:
    """The usernames ``author:`` means: the person with that username, else everyone with that
    display name (any case: author:王芳, author:"Ana Lima"). Nobody: the page says so (and the
    name is still tried as a username, which documents of a removed account may carry)."""
    from flask_babel import gettext as _

    name = name.lower()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == name)) is not None:
        return [name]
    found = db.session.scalars(select(User.username).where(
        func.lower(User.display_name) == name).order_by(User.id).limit(20)).all()
    found = [u.lower() for u in found if u]
    if not found:
        notices.append(_("Nobody is called “%(name)s”; author: takes a username or a full name.", name=name))
    return found or [name]


def build_filter(user, parsed: Parsed, filters: Filters, notices: list[str]):
    from flask_babel import gettext as _

    clauses = []
    types = [t for t in ([filters.type] if filters.type else []) + parsed.types]
    if types:
        names = []
        for t in types:
            st = registry.type_named(t)
            if st is None:
                notices.append(_("There is no type “%(name)s” to search.", name=t))
                names.append("-none-")
            else:
                names.append(st.name)
        clauses.append(Q.Or([Q.Term("type", n) for n in names]))
    communities = ([filters.community] if filters.community else []) + _resolve_communities(
        user, parsed.communities, notices)
    if communities:
        clauses.append(Q.Or([Q.Term("community", c) for c in communities]))
    for a in ([filters.author.lower()] if filters.author else []) + parsed.authors:
        clauses.append(Q.Or([Q.Term("author", name) for name in _resolve_author(a, notices)]))
    for t in ([filters.tag.lower()] if filters.tag else []) + parsed.tags:
        clauses.append(Q.Term("tags", t))
    start, end = _parse_date(filters.date_from), _parse_date(filters.date_to)
    if (filters.date_from and not start) or (filters.date_to and not end):
        notices.append(_("Dates are written like 2026-03-31; that date was ignored."))
    if start and end and start > end:
        start, end = end, start  # "from" after "to": the person means the days between
    if start or end:
        # The whole last day (no arithmetic that could leave the calendar at 9999-12-31).
        last = end.replace(hour=23, minute=59, second=59, microsecond=999999) if end else None
        clauses.append(Q.DateRange("created", start, last))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)


def build_exclusions(user, parsed: Parsed, notices: list[str]):
    """-tag:x, -author:x, -type:x, -in:x as one query of what to leave out (None: nothing)."""
    clauses = [Q.Term("tags", t) for t in parsed.not_tags]
    clauses += [Q.Term("author", name) for a in parsed.not_authors for name in _resolve_author(a, notices)]
    for t in parsed.not_types:
        st = registry.type_named(t)
        if st is not None:
            clauses.append(Q.Term("type", st.name))
    clauses += [Q.Term("community", c) for c in _resolve_communities(user, parsed.not_communities, notices)
                if c != "-1"]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q.Or(clauses)


def search(user, raw: str, filters: Filters | None = None, page: int = 1) -> Results:
    """Run a search for ``user``. Never raises for any input: what cannot be searched becomes a
    notice, and an index that fails is checked (and repaired, see index.SearchIndex.recover)."""
    from flask_babel import gettext as _

    started = time.perf_counter()
    filters = filters or Filters()
    raw = (raw or "").strip()
    res = Results(query=raw, page=max(1, min(page, MAX_PAGE)))
    index = get_index()
    parsed = parse(raw)
    if parsed.truncated:
        res.notices.append(_("Only the first %(n)d characters of your search were used.", n=MAX_QUERY))
    if parsed.capped:
        res.notices.append(_("Only the first %(n)d words of your search were used.", n=MAX_CLAUSES))
    if parsed.unknown_fields:
        res.notices.append(_("%(fields)s is not a filter; the words after it were searched.",
                             fields=", ".join(dict.fromkeys(parsed.unknown_fields))))
    for name in dict.fromkeys(parsed.empty_filters):
        res.notices.append(_("Write a value right after “%(filter)s”, without a space (like tag:python).",
                             filter=name))
    try:
        if parsed.ignored_only_stopwords:
            res.notices.append(_("Your search has only very common words; add a more specific word."))
            return res
        filt = build_filter(user, parsed, filters, res.notices)
        exclude = build_exclusions(user, parsed, res.notices)
        if not parsed.must and not parsed.must_not and filt is None and exclude is None:
            if raw:
                res.notices.append(_("There was nothing to search for in that; type a word or a name."))
            return res
        try:
            _run(index, user, res, parsed, filt, exclude, filters, raw)
        except Exception as e:
            log.exception("search for %r failed; checking the index and trying again", raw[:100])
            _clear(res)
            try:
                index.recover(e)
                _run(index, user, res, parsed, filt, exclude, filters, raw)
            except Exception as again:
                log.exception("search for %r failed again", raw[:100])
                _clear(res)
                if looks_damaged(again):  # damage that opening did not see: start over
                    try:
                        index.condemn(again)
                    except Exception:
                        log.exception("could not replace the damaged search index")
                res.notices.append(_("Search is not working right now; please try again in a moment."))
        return res
    finally:
        res.index_problem = index.problem
        res.seconds = time.perf_counter() - started


def _clear(res: Results) -> None:
    res.hits, res.total, res.pages, res.facets, res.did_you_mean, res.renders = [], 0, 1, {}, None, None


def _mask(user, exclude):
    mask = mask_for(user)
    if exclude is None:
        return mask
    return exclude if mask is None else Q.Or([mask, exclude])


def _run(index, user, res: Results, parsed: Parsed, filt, exclude, filters: Filters, raw: str) -> None:
    searcher = index.searcher()
    q = expand_prefixes(text_query(parsed), searcher)
    # The mask and the filter as document sets from the per-segment cache (segcache): Whoosh
    # would read every masked community's postings again on each search.
    restrict = segcache.mask_docs(searcher, _mask(user, exclude))
    allow = segcache.mask_docs(searcher, filt)
    newest = filters.sort == "newest" or not parsed.must
    # The count and the facets are over every readable match (exact for this person).
    matched = segcache.matching(searcher, q, allow=allow, restrict=restrict)
    # A page is kept with the searcher (until the index changes) for this exact set of matches:
    # whoever can read the same documents and searches the same way gets it again.
    pages = searcher.__dict__.setdefault("_collab_pages", OrderedDict())
    # With fewer than 3 matches the page may offer a spelling, checked against what this person
    # may read (_did_you_mean): then the exact search and the readable set are part of the key.
    few = (raw, restrict.key if restrict is not None else None, allow.key if allow is not None else None)
    page_key = (repr(q), matched.bits, res.page, newest, str(get_locale()), few if len(matched) < 3 else None)
    found = pages.get(page_key)
    if found is not None:
        pages.move_to_end(page_key)
        res.total, res.pages, res.hits, res.facets, res.did_you_mean, res.renders = found
        return
    results, matched = segcache.search(searcher, q, limit=res.page * PAGE_SIZE, allow=allow, restrict=restrict,
                                       sortedby="created" if newest else None, reverse=newest, matched=matched)
    res.total = len(matched)
    res.pages = max(1, -(-res.total // PAGE_SIZE))
    types = registry.types()
    labels = {name: st.label for name, st in types.items()}
    query_key = repr(q) if parsed.must else ""
    analyzer = searcher.schema["body"].analyzer
    words = {name: snippets.query_words(searcher, q, name) if parsed.must else frozenset()
             for name in ("title", "body")}

    def marked(hit):
        """The hit's snippet and title with the query's words marked (kept per document and query)."""
        body = hit.get("body") or ""
        snippet = snippets.snippet(analyzer, body, words["body"]) if parsed.must else ""
        if not snippet:
            snippet = str(escape(body[:220] + ("…" if len(body) > 220 else "")))
        title = snippets.whole(analyzer, hit.get("title") or "", words["title"]) if parsed.must else ""
        return snippet, title

    for hit in results[(res.page - 1) * PAGE_SIZE: res.page * PAGE_SIZE]:
        snippet, title = segcache.per_document(searcher, hit.docnum, ("marked", query_key),
                                               lambda hit=hit: marked(hit))
        res.hits.append(Hit(
            type=hit["type"], type_label=types[hit["type"]].label_one() if hit["type"] in types else hit["type"],
            title=Markup(title) if title else escape(hit.get("title") or ""), snippet=Markup(snippet),
            url=hit.get("url") or "", community=hit.get("community") or None, author=hit.get("author") or "",
            created=_utc(hit.get("created")),
        ))
    groups = facets.facet_counts(searcher, matched, ("type", "community", "author"), ("tags",))
    res.facets = _facet_rows(groups, labels)
    if res.total < 3 and parsed.words:
        res.did_you_mean = _did_you_mean(searcher, raw, parsed, allow=allow, restrict=restrict, found=res.total)
    res.renders = {}
    pages[page_key] = (res.total, res.pages, res.hits, res.facets, res.did_you_mean, res.renders)
    while len(pages) > KEPT_PAGES:
        pages.popitem(last=False)


def _facet_rows(groups, labels) -> dict[str, list[tuple[str, str, int]]]:
    out: dict[str, list[tuple[str, str, int]]] = {}
    # Only the biggest groups are shown: name only those (a common word has thousands of authors).
    groups = {name: dict(counts.most_common(FACET_ROWS * (4 if name == "community" else 1) + 1))
              for name, counts in groups.items()}
    community_ids = [int(k) for k in groups["community"] if k and str(k).isdigit()]
    names = dict(db.session.execute(
        select(Community.id, Community.name).where(Community.id.in_(community_ids))).all()) \
        if community_ids else {}
    authors = [k for k in groups["author"] if k]
    people = dict(db.session.execute(
        select(func.lower(User.username), User.display_name).where(func.lower(User.username).in_(authors))
    ).all()) if authors else {}
    for name, counts in groups.items():
        rows = []
        for key, n in counts.items():
            if not key:
                continue
            key = key.decode() if isinstance(key, bytes) else str(key)
            if name == "type":
                label = str(labels[key]()) if key in labels else key
            elif name == "community":
                label = names.get(int(key)) if key.isdigit() else None
                if label is None:
                    continue
            elif name == "author":
                label = people.get(key) or key
            else:
                label = key
            rows.append((key, label, n))
        rows.sort(key=lambda r: (-r[2], r[1]))
        out[name] = rows[:FACET_ROWS]
    return out


def _did_you_mean(searcher, raw: str, parsed: Parsed, *, allow, restrict, found: int) -> str | None:
    """The search with its misspelt words corrected, if that finds more for this person. The
    words come from the whole index (restricted communities' words too), so a spelling is offered
    only when the corrected search finds documents this person may read: a guess never confirms a
    word of a community they are not in."""
    corrector = searcher.corrector("spell")
    changed = False
    fixed = raw
    for word in dict.fromkeys(parsed.words):
        lower = word.lower()
        if not 4 <= len(lower) <= 30:
            continue
        # prefix=1: only words with the same first letter (as Lucene's spell checker does by
        # default). Whoosh computes an edit distance in Python for every candidate word; over the
        # whole vocabulary that was most of a new query's time.
        suggestions = corrector.suggest(lower, limit=1, maxdist=1 if len(lower) <= 5 else 2, prefix=1)
        if suggestions and suggestions[0] != lower:
            fixed = fixed.replace(word, suggestions[0])
            changed = True
    if not changed:
        return None
    better = parse(fixed)
    if not better.must:
        return None
    more = segcache.matching(searcher, expand_prefixes(text_query(better), searcher), allow=allow, restrict=restrict)
    return fixed if len(more) > found else None


def suggest(user, prefix: str, limit: int = 8) -> list[dict]:
    """Type-ahead: titles of people, communities and content that start like what was typed.
    Never raises: a failing index gives no suggestions (and is checked)."""
    prefix = clean_text((prefix or "")[:80]).strip()
    if len(prefix) < 2:
        return []
    words = prefix.split()
    clauses = []
    for w in words[:-1]:
        part = _title_word(w)
        if part is not None:
            clauses.append(part)
    last = words[-1]
    if has_cjk(last):
        part = _title_word(last)
    else:
        part = Q.Prefix("title", last.lower()) if len(last) >= 2 else None
    if part is not None:
        clauses.append(part)
    if not clauses:
        return []
    q = clauses[0] if len(clauses) == 1 else Q.And(clauses)
    index = get_index()
    types = registry.types()
    mask = mask_for(user)

    def run():
        searcher = index.searcher()
        analyzer = searcher.schema["title"].analyzer
        # Through the per-segment cache: the same first letters come from everyone who types.
        restrict = segcache.mask_docs(searcher, mask)
        rows, seen, pages = [], set(), set()
        for _round in range(SUGGEST_ROUNDS):
            results, matched = segcache.search(searcher, q, limit=2 * limit, restrict=restrict)
            new = []
            for hit in results:
                item, page = _suggested_item(hit), (hit.get("url") or "").split("#")[0]
                if item in seen or page in pages:
                    continue  # a topic's replies, a room's other messages, a post's comments: one row per item
                seen.add(item)
                pages.add(page)
                new.append(item)
                rows.append({"title": hit.get("title") or "", "type": hit["type"],
                             "type_label": types[hit["type"]].label_one() if hit["type"] in types else hit["type"],
                             "url": hit.get("url") or ""})
                if len(rows) == limit:
                    return rows
            if not new or len(matched) <= results.scored_length():
                break
            # The next round leaves out every document of the items already shown.
            shown = segcache.query_docs(searcher, Q.Or([_item_query(analyzer, item) for item in new]))
            restrict = segcache.BitMask((restrict.bits if restrict is not None else 0) | shown,
                                        searcher.doc_count_all())
        return rows

    try:
        return run()
    except Exception as e:
        log.exception("suggestions for %r failed; checking the index", prefix)
        try:
            index.recover(e)
            return run()
        except Exception as again:
            log.exception("suggestions for %r failed again", prefix)
            if looks_damaged(again):
                try:
                    index.condemn(again)
                except Exception:
                    log.exception("could not replace the damaged search index")
            return []


SUGGEST_ROUNDS = 4  # searches for one type-ahead, each leaving out the items found before


def _suggested_item(hit) -> tuple[str, str, str]:
    """What one suggestion stands for: documents of one type, community and title (a forum
    topic's posts, a chat room's messages) are one item."""
    return hit["type"], hit.get("community") or "", hit.get("title") or ""


def _item_query(analyzer, item: tuple[str, str, str]):
    """The documents of one suggested item: its type, its community, every word of its title."""
    kind, community, title = item
    words = list(dict.fromkeys(t.text for t in analyzer(title)))
    if not words:
        return Q.NullQuery
    clauses = [Q.Term("type", kind)] + ([Q.Term("community", community)] if community else [])
    return Q.And(clauses + [Q.Term("title", w) for w in words])


def _title_word(word: str):
    parts = query_parts(word)
    if not parts:
        return None
    clauses = [Q.Term("title", g[0]) if len(g) == 1 else Q.Phrase("title", g) for _k, g in parts]
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)
