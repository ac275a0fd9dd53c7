"""Chinese full-text search over achievements and needs, on PostgreSQL alone.

PostgreSQL has no Chinese word segmenter, so the portal segments in Python (jieba, search mode)
and stores the words, space-separated, as a ``simple`` tsvector: one lexeme per word, no
stemming. Weights: A title and keywords, B summary / problem, C the rest. The GIN indexes
``achievements_search_gin`` and ``needs_search_gin`` serve every query.

Lexemes. Text is NFKC-normalised (full-width ``ＰＬＣ`` becomes ``PLC``) and lower-cased; a lexeme
is a run of ASCII letters and digits or of CJK ideographs, so ``5G`` and ``PLC`` are words and
no lexeme ever holds a character that means something in tsquery syntax (``& | ! : * ' ( )``).
Stop words (particles and words every listing uses, ``技术``, ``方法``…) are dropped on both sides.

Queries. The query is cut in precise mode into words; each word becomes a group that matches
either the word itself or all of its search-mode sub-words (``综合利用`` matches
``'综合利用' | ('综合' & '利用')``), because a listing that says ``综合利用率`` is segmented into
``综合 利用 利用率`` and has no ``综合利用`` lexeme. Then:

- every group must match (AND);
- if no listing of the queryset matches them all, any group may match (OR), ranked;
- a query that segments to nothing (only stop words or punctuation) leaves the queryset as is.

Ranking is ``ts_rank`` of the flat OR of every lexeme of the query with the default weights
(A 1.0, B 0.4, C 0.2), so a hit in a title or keyword outranks one in a summary, and a listing
with more of the query's words outranks one with fewer.

Cost. Ranking reads each candidate's tsvector, so it is bounded: the GIN index finds the
matching rows, only the first ``SEARCH_CANDIDATES`` of them (in storage order, which needs no
sort) are ranked, and the page is taken from those. When fewer listings match, which is the
case for almost every query of two words or more, the ranking is exact. When a single common
word matches more than ``SEARCH_CANDIDATES`` listings, the result is the best of a sample of
that size rather than of all matches: a user never pages that deep, and the query stays at a
few tens of milliseconds over a million rows instead of ranking hundreds of thousands of rows.
The count of such a result is capped at ``SEARCH_CANDIDATES`` too.

Changing the segmentation (``STOP_WORDS``, ``DOMAIN_WORDS``, the jieba version) changes the
lexemes: run ``listings_reindex`` over both tables afterwards.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jieba
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet

jieba.setLogLevel(60)

# How many matching rows a search ranks at most (see the module docstring).
SEARCH_CANDIDATES = 2000

# Words too common in listings to tell them apart, and particles.
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "为",
        "对",
        "其",
        "中",
        "将",
        "把",
        "被",
        "从",
        "向",
        "于",
        "以",
        "并",
        "而",
        "也",
        "都",
        "所",
        "能",
        "可",
        "由",
        "使",
        "之",
        "个",
        "种",
        "一种",
        "一个",
        "以及",
        "进行",
        "通过",
        "具有",
        "可以",
        "用于",
        "基于",
        "相关",
        "我们",
        "本",
        "该",
        "其中",
        "对于",
        "由于",
        "以上",
        "以下",
        "技术",
        "方法",
        "系统",
        "装置",
        "研究",
        "应用",
        "开发",
        "实现",
        "提供",
        "提高",
        "有效",
        "采用",
        "使用",
        "及其",
        "一套",
        "一项",
        "工艺",
    ]
)
# Terms of the portal's fields that jieba's dictionary would cut in two; cut whole, their
# halves still come out in search mode.
DOMAIN_WORDS = ("秸秆还田", "废旧电池", "动力电池", "中药材", "智慧城市", "绿色建筑", "海绵城市", "装配式建筑")

_LEXEME = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@lru_cache(maxsize=1)
def _jieba():
    jieba.initialize()
    for word in DOMAIN_WORDS:
        jieba.add_word(word)
    return jieba


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _lexemes(word: str) -> list[str]:
    """The lexemes of one jieba word (``c++`` gives ``c``, ``3.5`` gives ``3`` and ``5``)."""
    return [lexeme for lexeme in _LEXEME.findall(word) if lexeme not in STOP_WORDS]


def segment(text: str) -> list[str]:
    """The words of ``text`` (search-mode segmentation), lower-cased, without stop words and punctuation."""
    if not text:
        return []
    words = []
    for word in _jieba().cut_for_search(_normalise(text)):
        words.extend(_lexemes(word))
    return words


def query_groups(text: str) -> list[list[str]]:
    """The word groups of a query: per precise-mode word, the word first, then its sub-words.

    A listing matches a group if it holds the word, or every one of its sub-words.
    """
    if not text:
        return []
    groups: dict[str, list[str]] = {}
    for word in _jieba().cut(_normalise(text)):
        for lexeme in _lexemes(word):
            if lexeme in groups:
                continue
            subwords = [w for w in dict.fromkeys(segment(lexeme)) if w != lexeme]
            groups[lexeme] = [lexeme, *subwords]
    return list(groups.values())


def _quote(lexeme: str) -> str:
    # Lexemes are letters, digits and ideographs only (``_LEXEME``); the quotes are belt and braces.
    return "'" + lexeme.replace("'", "") + "'"


def _group_tsquery(group: list[str]) -> str:
    word, *subwords = group
    if not subwords:
        return _quote(word)
    return f"({_quote(word)} | ({' & '.join(_quote(w) for w in subwords)}))"


def tsquery_all(groups: list[list[str]]) -> str:
    """tsquery text matching listings that match every group."""
    return " & ".join(_group_tsquery(group) for group in groups)


def tsquery_any(words: Iterable[str]) -> str:
    """tsquery text matching listings that hold any of ``words`` (lexemes)."""
    return " | ".join(_quote(word) for word in dict.fromkeys(words))


def _raw(text: str) -> SearchQuery:
    return SearchQuery(text, config="simple", search_type="raw")


def search_query(text: str) -> SearchQuery | None:
    """A query matching listings that contain every word of ``text``; None when nothing is left to search."""
    groups = query_groups(text)
    if not groups:
        return None
    return _raw(tsquery_all(groups))


def listing_search(queryset: QuerySet, text: str, *, candidates: int = SEARCH_CANDIDATES) -> QuerySet:
    """``queryset`` narrowed to listings matching ``text``, best first (``rank`` annotated).

    All words must match; if no listing of ``queryset`` matches them all, any word may (one
    ``EXISTS`` query decides). At most ``candidates`` matching rows are ranked (module docstring).
    """
    groups = query_groups(text)
    if not groups:
        return queryset
    matching = queryset.filter(search_vector=_raw(tsquery_all(groups)))
    if len(groups) > 1 and not matching.exists():
        matching = queryset.filter(search_vector=_raw(tsquery_any(w for group in groups for w in group)))
    rank_query = _raw(tsquery_any(w for group in groups for w in group))
    # LIMIT without ORDER BY: the bitmap heap scan stops after ``candidates`` rows, no sort.
    pool = matching.order_by().values("pk")[:candidates]
    return (
        queryset.filter(pk__in=pool).annotate(rank=SearchRank(F("search_vector"), rank_query)).order_by("-rank", "-pk")
    )


# Indexing

INDEX_FIELDS = {
    "achievement": ("title", "keywords", "summary", "advantage", "application_fields", "lead_unit", "commercial_route"),
    "need": ("title", "keywords", "problem", "expected_outcome"),
}


def listing_texts(model_name: str, values: Mapping[str, Any]) -> tuple[str, str, str]:
    """The (A, B, C) texts of a listing before segmentation; ``values``: its ``INDEX_FIELDS`` by name.

    ``model_name`` is "achievement" or "need". The data generator composes its vectors from these.
    """
    keywords = " ".join(values["keywords"] or [])
    a = f"{values['title']} {keywords}"
    if model_name == "achievement":
        b = values["summary"]
        c = " ".join(values[name] for name in ("advantage", "application_fields", "lead_unit", "commercial_route"))
    else:
        b = values["problem"]
        c = values["expected_outcome"]
    return a, b, c


def _document(listing) -> tuple[str, str, str]:
    """The (A, B, C) texts of a listing, segmented and space-joined."""
    model_name = listing._meta.model_name
    values = {name: getattr(listing, name) for name in INDEX_FIELDS[model_name]}
    return tuple(" ".join(segment(text)) for text in listing_texts(model_name, values))


_VECTOR_SQL = (
    "setweight(to_tsvector('simple', {a}), 'A') || setweight(to_tsvector('simple', {b}), 'B') "
    "|| setweight(to_tsvector('simple', {c}), 'C')"
)


def listing_reindex(listing) -> None:
    """Write ``listing.search_vector`` from its current text."""
    a, b, c = _document(listing)
    table = connection.ops.quote_name(listing._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET search_vector = {_VECTOR_SQL.format(a='%s', b='%s', c='%s')} WHERE id = %s",
            [a, b, c, listing.pk],
        )


def listings_reindex(queryset: QuerySet, *, batch_size: int = 1000) -> int:
    """Rewrite the ``search_vector`` of every listing of ``queryset``, one UPDATE per batch; the count.

    Walks the rows by primary key (keyset pagination, no long-lived cursor), so it can run over a
    million rows while the portal serves; each batch is its own statement.
    """
    model = queryset.model
    table = connection.ops.quote_name(model._meta.db_table)
    fields = INDEX_FIELDS[model._meta.model_name]
    rows = queryset.order_by("pk").only(*fields)
    vector = _VECTOR_SQL.format(a="v.a", b="v.b", c="v.c")
    sql = (
        f"UPDATE {table} AS t SET search_vector = {vector} "
        "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS v(id, a, b, c) WHERE t.id = v.id"
    )
    done = 0
    last = None
    while True:
        batch = list((rows if last is None else rows.filter(pk__gt=last))[:batch_size])
        if not batch:
            return done
        documents = [_document(listing) for listing in batch]
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [[listing.pk for listing in batch], *(list(column) for column in zip(*documents, strict=True))],
            )
        done += len(batch)
        last = batch[-1].pk
