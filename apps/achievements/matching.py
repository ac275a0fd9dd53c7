"""Matching needs and achievements (精准对接): a scored, explained ranking in both directions.

Score, 0-100, a weighted sum of:

==============  ======  ========================================================================
text            50      the source listing's key terms found in the candidate, each term
                        weighted by where it stands in the source (title/keywords 3,
                        problem/summary 1) times its rarity (jieba's IDF table), over the weight
                        of the six best terms (capped at 1); a term counts in full when it is in
                        the candidate's title or keywords, 3/4 elsewhere, and 4/5 of that when
                        only its sub-words are there (``综合利用率`` for ``综合利用``)
field           15      same technology field (code list ``tech_field``)
push fields     10      at least one push field in common
region          10      same assessment unit 10, both in Hebei 7, both in Beijing-Tianjin-Hebei
                        (11xxxx/12xxxx/13xxxx) 4, otherwise 0
maturity         8      the achievement is at least as mature as the need wants (``mature`` and
                        ``trl7``-``trl9`` satisfy ``mature``); no stated wish earns the points
budget           7      asking price within the need's ``budget_max``, or negotiable; no stated
                        budget earns the points
==============  ======  ========================================================================

The other points count in full only when the listings share a subject: they are scaled from a
half, for a candidate sharing no term, up to the whole once the shared terms carry
``TEXT_FULL`` of the source's key-term weight. A listing of the same field and region that shares
one common word (建设, 利用) must not outrank, nor be pushed like, one about the same thing.

``reasons`` says why: ``{"terms": [...], "text": float, "field": bool, "push_fields": [...],
"region": "same_unit"|"hebei"|"jingjinji"|"", "maturity": bool|None, "budget": bool|None}``;
``text`` is the text similarity (0-1) and None means the need states no wish, so there was
nothing to satisfy.

Retrieval. Only candidates sharing text with the source are scored, found through the GIN index
on ``search_vector`` in up to three steps, each bounded so a compute stays at a few tens of
milliseconds over a million listings:

1. strong: listings holding at least two of the source's six best terms (an OR of pairs, or the
   one term), the first ``CANDIDATE_POOL`` in storage order, of which the ``RERANK`` best by
   ``ts_rank`` go on;
2. weak, if step 1 gave fewer than ``RERANK``: listings holding any of the terms, likewise;
3. filler, if fewer than ``limit`` were found: the newest listings of the same technology field
   (the ``status, tech_field, -published_at`` index), with no text in common.

The candidates are then scored in Python and the ``limit`` best returned. ``*_refresh`` store
them as ``Match`` rows.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import combinations

from django.db import connection, transaction
from django.db.models import Q

from apps.achievements import search
from apps.achievements.models import Achievement, AchievementStatus, Match, Need, NeedStatus
from apps.core.models import Region

WEIGHTS = {"text": 50, "field": 15, "push_fields": 10, "region": 10, "maturity": 8, "budget": 7}
REGION_POINTS = {"same_unit": 10, "hebei": 7, "jingjinji": 4, "": 0}
TEXT_FULL = 0.25  # the text similarity from which the other points count in full
TITLE_WEIGHT = 3.0  # a term of the title or keywords, against 1 for the problem or summary
MAX_TERMS = 12  # key terms of the source listing used for retrieval and the text score
STRONG_TERMS = 6  # of which the best, pairs of which make the strong query
CANDIDATE_POOL = 1000  # rows read from the GIN index per step
RERANK = 200  # candidates scored in Python
MAX_REASON_TERMS = 8
# Words of the way listings are written, not of what they are about.
MATCH_STOP_WORDS = frozenset(
    [
        "寻求",
        "寻找",
        "需求",
        "需要",
        "希望",
        "要求",
        "解决",
        "问题",
        "困难",
        "目前",
        "现有",
        "现在",
        "每年",
        "所在",
        "我们",
        "我司",
        "公司",
        "企业",
        "单位",
        "合作",
        "项目",
        "产品",
        "生产",
        "领域",
        "方面",
        "情况",
        "主要",
        "能够",
        "实现",
        "提升",
        "改进",
        "万吨",
        "吨",
        "万元",
        "亿元",
        "年",
        "个",
        "家",
    ]
)
# The TRL a maturity code stands for at least; a need's wish is met at or above it.
TRL = {"early": 1, "intermediate": 4, "mature": 7, **{f"trl{n}": n for n in range(1, 10)}}


@dataclass(frozen=True)
class MatchResult:
    need_id: int
    achievement_id: int
    score: Decimal
    reasons: dict


@dataclass(frozen=True)
class Term:
    word: str
    weight: float
    subwords: tuple[str, ...]


@lru_cache(maxsize=1)
def _idf() -> tuple[dict, float]:
    from jieba.analyse import default_tfidf

    search._jieba()
    return default_tfidf.idf_freq, default_tfidf.median_idf


def listing_terms(*, title_text: str, body_text: str, limit: int = MAX_TERMS) -> list[Term]:
    """The key terms of a listing: precise-mode words of two or more characters, best first."""
    idf, median = _idf()
    weights: dict[str, float] = {}
    for text, where in ((title_text, TITLE_WEIGHT), (body_text, 1.0)):
        for group in search.query_groups(text):
            word = group[0]
            if len(word) < 2 or word in MATCH_STOP_WORDS:
                continue
            # The place counts once (the best), repetition a little.
            weights[word] = max(weights.get(word, 0.0), where * idf.get(word, median)) + 0.1 * where
    best = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return [
        Term(word, weight, tuple(w for w in dict.fromkeys(search.segment(word)) if w != word)) for word, weight in best
    ]


def _source_terms(listing) -> list[Term]:
    title_text = " ".join([listing.title, *(listing.keywords or [])])
    body_text = listing.problem if isinstance(listing, Need) else listing.summary
    return listing_terms(title_text=title_text, body_text=body_text)


def _group(term: Term) -> str:
    return search._group_tsquery([term.word, *term.subwords])


def _strong_tsquery(terms: list[Term]) -> str:
    best = terms[:STRONG_TERMS]
    if len(best) == 1:
        return _group(best[0])
    return " | ".join(f"({_group(a)} & {_group(b)})" for a, b in combinations(best, 2))


def _weak_tsquery(terms: list[Term]) -> str:
    return " | ".join(_group(term) for term in terms)


def _target(model) -> tuple[str, str]:
    status = AchievementStatus.PUBLISHED if model is Achievement else NeedStatus.PUBLISHED
    return connection.ops.quote_name(model._meta.db_table), status


def _text_candidates(model, terms: list[Term], *, exclude: set[int], want: int) -> list[int]:
    """Ids of published ``model`` rows sharing the terms, strong step then weak step (module docstring)."""
    table, status = _target(model)
    rank_query = search.tsquery_any(w for term in terms for w in (term.word, *term.subwords))
    found: list[int] = []
    for query in (_strong_tsquery(terms), _weak_tsquery(terms)):
        if len(found) >= want:
            break
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM (SELECT id, search_vector FROM {table} "
                "WHERE status = %s AND search_vector @@ to_tsquery('simple', %s) LIMIT %s) AS pool "
                "WHERE NOT (id = ANY(%s)) ORDER BY ts_rank(search_vector, to_tsquery('simple', %s)) DESC, id DESC "
                "LIMIT %s",
                [status, query, CANDIDATE_POOL, [*exclude, *found], rank_query, want - len(found)],
            )
            found.extend(row[0] for row in cursor.fetchall())
    return found


def _field_candidates(model, tech_field: str, *, exclude: set[int], want: int) -> list[int]:
    table, status = _target(model)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE status = %s AND tech_field = %s AND NOT (id = ANY(%s)) "
            "ORDER BY published_at DESC LIMIT %s",
            [status, tech_field, list(exclude), want],
        )
        return [row[0] for row in cursor.fetchall()]


def _candidate_rows(model, ids: list[int], lexemes: list[str]) -> list[dict]:
    """What scoring reads of each candidate, with the source's lexemes it holds (all, and in weight A)."""
    if not ids:
        return []
    table, status = _target(model)
    regions = connection.ops.quote_name(Region._meta.db_table)
    if model is Achievement:
        own = "t.maturity, t.price, t.negotiable"
        names = ["maturity", "price", "negotiable"]
    else:
        own = "t.desired_maturity, t.budget_max"
        names = ["desired_maturity", "budget_max"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.tech_field, t.push_fields, t.region_id, r.unit_id, {own}, "
            "ARRAY(SELECT x FROM unnest(tsvector_to_array(t.search_vector)) AS x WHERE x = ANY(%s)), "
            "ARRAY(SELECT x FROM unnest(tsvector_to_array(ts_filter(t.search_vector, '{a}'))) AS x "
            "WHERE x = ANY(%s)) "
            f"FROM {table} AS t JOIN {regions} AS r ON r.code = t.region_id "
            "WHERE t.id = ANY(%s) AND t.status = %s",
            [lexemes, lexemes, ids, status],
        )
        columns = ["id", "tech_field", "push_fields", "region_id", "unit_id", *names, "lexemes", "title_lexemes"]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _text_similarity(terms: list[Term], lexemes: set[str], title_lexemes: set[str]) -> tuple[float, list[str]]:
    total = sum(term.weight for term in terms[:STRONG_TERMS])
    if not total:
        return 0.0, []
    got = 0.0
    shared = []
    for term in terms:
        for held, factor in ((title_lexemes, 1.0), (lexemes, 0.75)):
            if term.word in held:
                got += term.weight * factor
                break
            if term.subwords and all(w in held for w in term.subwords):
                got += term.weight * factor * 0.8
                break
        else:
            continue
        shared.append(term.word)
    return min(got / total, 1.0), shared


def _region_relation(a_code: str, a_unit: str | None, b_code: str, b_unit: str | None) -> str:
    if a_unit and a_unit == b_unit:
        return "same_unit"
    provinces = {a_code[:2], b_code[:2]}
    if provinces == {"13"}:
        return "hebei"
    if provinces <= {"11", "12", "13"}:
        return "jingjinji"
    return ""


def maturity_fits(*, desired: str, maturity: str) -> bool | None:
    """Whether an achievement of ``maturity`` meets a need's wish; None when the need states none."""
    if not desired or desired not in TRL:
        return None
    return TRL.get(maturity, 0) >= TRL[desired]


def budget_fits(*, budget_max: Decimal | None, price: Decimal | None, negotiable: bool) -> bool | None:
    """Whether the asking price is within the need's budget; None when the need states no budget."""
    if budget_max is None:
        return None
    return negotiable or (price is not None and price <= budget_max)


def _score(*, need: dict, achievement: dict, terms: list[Term], row: dict) -> tuple[Decimal, dict]:
    similarity, shared = _text_similarity(terms, set(row["lexemes"]), set(row["title_lexemes"]))
    common_push = [code for code in need["push_fields"] if code in set(achievement["push_fields"])]
    region = _region_relation(need["region_id"], need["unit_id"], achievement["region_id"], achievement["unit_id"])
    maturity = maturity_fits(desired=need["desired_maturity"], maturity=achievement["maturity"])
    budget = budget_fits(
        budget_max=need["budget_max"], price=achievement["price"], negotiable=achievement["negotiable"]
    )
    same_field = bool(need["tech_field"]) and need["tech_field"] == achievement["tech_field"]
    other_points = (
        WEIGHTS["field"] * same_field
        + WEIGHTS["push_fields"] * bool(common_push)
        + REGION_POINTS[region]
        + WEIGHTS["maturity"] * (maturity is not False)
        + WEIGHTS["budget"] * (budget is not False)
    )
    subject = min(similarity / TEXT_FULL, 1.0) if shared else 0.0
    points = WEIGHTS["text"] * similarity + other_points * (0.5 + 0.5 * subject)
    score = Decimal(str(round(min(max(points, 0.0), 100.0), 2))).quantize(Decimal("0.01"))
    reasons = {
        "terms": shared[:MAX_REASON_TERMS],
        "text": round(similarity, 3),
        "field": same_field,
        "push_fields": common_push,
        "region": region,
        "maturity": maturity,
        "budget": budget,
    }
    return score, reasons


def _as_row(listing) -> dict:
    row = {
        "id": listing.pk,
        "tech_field": listing.tech_field,
        "push_fields": list(listing.push_fields or []),
        "region_id": listing.region_id,
        "unit_id": listing.region.unit_id,  # no query when the caller selected the region
    }
    if isinstance(listing, Achievement):
        row.update(maturity=listing.maturity, price=listing.price, negotiable=listing.negotiable)
    else:
        row.update(desired_maturity=listing.desired_maturity, budget_max=listing.budget_max)
    return row


def _compute(source, target_model, *, limit: int) -> list[MatchResult]:
    if limit <= 0:
        return []
    terms = _source_terms(source)
    ids: list[int] = []
    if terms:
        ids = _text_candidates(target_model, terms, exclude=set(), want=max(RERANK, limit))
    if len(ids) < limit and source.tech_field:
        ids += _field_candidates(target_model, source.tech_field, exclude=set(ids), want=limit - len(ids))
    lexemes = list(dict.fromkeys(w for term in terms for w in (term.word, *term.subwords)))
    rows = _candidate_rows(target_model, ids, lexemes)
    me = _as_row(source)
    results = []
    for row in rows:
        if target_model is Achievement:
            score, reasons = _score(need=me, achievement=row, terms=terms, row=row)
            results.append(MatchResult(need_id=source.pk, achievement_id=row["id"], score=score, reasons=reasons))
        else:
            score, reasons = _score(need=row, achievement=me, terms=terms, row=row)
            results.append(MatchResult(need_id=row["id"], achievement_id=source.pk, score=score, reasons=reasons))
    other = "achievement_id" if target_model is Achievement else "need_id"
    results.sort(key=lambda result: (-result.score, -getattr(result, other)))
    return results[:limit]


def need_matches_compute(*, need: Need, limit: int = 20) -> list[MatchResult]:
    """The published achievements that best answer ``need``, best first."""
    return _compute(need, Achievement, limit=limit)


def achievement_matches_compute(*, achievement: Achievement, limit: int = 20) -> list[MatchResult]:
    """The published needs ``achievement`` best answers, best first."""
    return _compute(achievement, Need, limit=limit)


def _store(*, owner: Q, published: bool, results: list[MatchResult], other: str) -> list[Match]:
    """Upsert ``results`` and drop the owner's other matches, keeping notified and succeeded ones."""
    if not published:
        Match.objects.filter(owner, succeeded_at__isnull=True).delete()
        return []
    results = sorted(results, key=lambda result: getattr(result, other))  # one lock order for every writer
    Match.objects.bulk_create(
        [Match(need_id=r.need_id, achievement_id=r.achievement_id, score=r.score, reasons=r.reasons) for r in results],
        update_conflicts=True,
        unique_fields=["need", "achievement"],
        update_fields=["score", "reasons", "computed_at"],
    )
    kept = [getattr(result, other) for result in results]
    Match.objects.filter(owner, succeeded_at__isnull=True, notified_at__isnull=True).exclude(
        **{f"{other}__in": kept}
    ).delete()
    return list(Match.objects.filter(owner, **{f"{other}__in": kept}).order_by("-score", "pk"))


def need_matches_refresh(*, need: Need, limit: int = 20) -> list[Match]:
    """Store the best achievements for ``need`` as its ``Match`` rows (one transaction); the rows.

    Matches that dropped out of the list are removed unless already notified or succeeded; a need
    that is not published keeps only its succeeded matches.
    """
    with transaction.atomic():
        Need.objects.select_for_update().filter(pk=need.pk).values_list("pk").first()  # one refresh at a time
        published = need.status == NeedStatus.PUBLISHED
        results = need_matches_compute(need=need, limit=limit) if published else []
        return _store(owner=Q(need=need), published=published, results=results, other="achievement_id")


def achievement_matches_refresh(*, achievement: Achievement, limit: int = 20) -> list[Match]:
    """Store the needs ``achievement`` best answers as its ``Match`` rows (one transaction); the rows."""
    with transaction.atomic():
        Achievement.objects.select_for_update().filter(pk=achievement.pk).values_list("pk").first()
        published = achievement.status == AchievementStatus.PUBLISHED
        results = achievement_matches_compute(achievement=achievement, limit=limit) if published else []
        return _store(owner=Q(achievement=achievement), published=published, results=results, other="need_id")
