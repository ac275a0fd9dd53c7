"""Chinese full-text search over achievements and needs, on PostgreSQL alone.

PostgreSQL has no Chinese word segmenter, so the portal segments in Python (jieba, search mode)
and stores the words, space-separated, as a ``simple`` tsvector: one lexeme per word, no
stemming, no stop words. Queries are segmented the same way. Weights: A title and keywords,
B summary / problem, C the rest.
"""

import re
from functools import lru_cache

import jieba
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, QuerySet

jieba.setLogLevel(60)

# Words too common in listings to tell them apart.
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
    ]
)
_TOKEN = re.compile(r"[\w\u4e00-\u9fff]+")


@lru_cache(maxsize=1)
def _jieba():
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """The words of ``text`` (search-mode segmentation), lower-cased, without stop words and punctuation."""
    if not text:
        return []
    words = []
    for word in _jieba().cut_for_search(text):
        word = word.strip().lower()
        if not word or word in STOP_WORDS or not _TOKEN.fullmatch(word):
            continue
        words.append(word)
    return words


def _document(listing) -> tuple[str, str, str]:
    """The (A, B, C) texts of a listing, segmented and space-joined."""
    keywords = " ".join(listing.keywords or [])
    if listing._meta.model_name == "achievement":
        a = f"{listing.title} {keywords}"
        b = listing.summary
        c = " ".join([listing.advantage, listing.application_fields, listing.lead_unit, listing.commercial_route])
    else:
        a = f"{listing.title} {keywords}"
        b = listing.problem
        c = listing.expected_outcome
    return tuple(" ".join(segment(text)) for text in (a, b, c))


def listing_reindex(listing) -> None:
    """Write ``listing.search_vector`` from its current text."""
    a, b, c = _document(listing)
    table = listing._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET search_vector = "
            "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B') "
            "|| setweight(to_tsvector('simple', %s), 'C') WHERE id = %s",
            [a, b, c, listing.pk],
        )


def search_query(text: str) -> SearchQuery | None:
    """A query matching listings that contain every word of ``text``; None when nothing is left to search."""
    words = list(dict.fromkeys(segment(text)))
    if not words:
        return None
    return SearchQuery(" & ".join(words), config="simple", search_type="raw")


def listing_search(queryset: QuerySet, text: str) -> QuerySet:
    """``queryset`` narrowed to listings matching ``text``, best first (``rank`` annotated)."""
    query = search_query(text)
    if query is None:
        return queryset
    return (
        queryset.filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "-pk")
    )
