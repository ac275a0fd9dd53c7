"""Realistic technology contracts in bulk: ``generate_contracts``, behind ``manage.py generate_data``.

The data set of the benchmarks, the KPI demo's history and a national-scale trial. It writes model
rows directly, with ``COPY`` (the services would take hours for a million contracts), each row with
the insert event pghistory's trigger would have written, itself COPYed (``apps/core/bulk.py``), so
the audit trail and ``contract_facts_fill`` see the rows like any others; ``history=False`` leaves
the events out for a quick fixture. The caller rebuilds the KPI facts afterwards.
What it makes, so that statistics run over a realistic shape of data:
- a pool of seller organisations in Hebei's 14 assessment units, weighted by size, in counties
  of their unit; one registration office per unit (an existing one is reused);
- a pool of buyers: ~78 % in Hebei, ~16 % in Beijing or Tianjin, ~5 % elsewhere, ~1 % abroad;
- contracts with lognormal values (see ``MEAN_CONTRACT_VALUE``), a realistic mix of types,
  subtypes, technology fields and party types, registration dates growing year by year;
- mostly registered, with changed pairs (old version "changed" + new version registered),
  cancelled, revoked, refused and in-flight contracts;
- ~6 % imported external records (sellers in Beijing, Tianjin or elsewhere, buyers in Hebei).
"""

import base64
import contextlib
import math
import os
import random
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from apps.core.bulk import copy_escape
from apps.core.places import place_short_name

# Mean contract value, yuan. DOMAIN.md: nationally 37,294 亿 over 670,506 contracts in 2021 =
# 5.56 million yuan per contract (22,398 亿 / 484,077 = 4.63 million in 2019); Hebei's 1,300 亿
# of 2022 over some 20,000-30,000 contracts gives 4.3-6.5 million. Values are heavy-tailed: a
# lognormal with sigma 1.9 has its median at exp(-1.9²/2) ≈ 16 % of the mean (~0.9 million).
MEAN_CONTRACT_VALUE = 5_500_000
VALUE_SIGMA = 1.9
MAX_CONTRACT_VALUE = 3_000_000_000  # one 30 亿 contract is plausible; a lognormal's far tail is not
SECOND_REVIEW_THRESHOLD = 5_000_000

# Relative size of the 14 assessment units as sellers and as buyers: resident population (2020
# census, millions) times a rough factor for research and industry (石家庄 has most universities
# and institutes; 唐山, 沧州, 邯郸 the heavy industry).
UNIT_SELLER_WEIGHTS = {
    "130100": 11.2 * 2.2,  # 石家庄
    "130200": 7.7 * 1.2,  # 唐山
    "130300": 3.1 * 1.0,  # 秦皇岛
    "130400": 9.4 * 0.8,  # 邯郸
    "130500": 7.1 * 0.6,  # 邢台
    "130600": 9.2 * 1.3,  # 保定
    "130700": 4.1 * 0.5,  # 张家口
    "130800": 3.4 * 0.5,  # 承德
    "130900": 7.3 * 0.8,  # 沧州
    "131000": 5.5 * 1.3,  # 廊坊
    "131100": 4.2 * 0.6,  # 衡水
    "130181": 0.6 * 0.6,  # 辛集
    "130682": 1.1 * 0.6,  # 定州
    "133100": 1.2 * 1.0,  # 雄安新区
}
UNIT_BUYER_WEIGHTS = {
    "130100": 11.2 * 1.3,
    "130200": 7.7 * 1.4,
    "130300": 3.1 * 0.9,
    "130400": 9.4 * 1.1,
    "130500": 7.1 * 0.8,
    "130600": 9.2 * 1.0,
    "130700": 4.1 * 0.7,
    "130800": 3.4 * 0.7,
    "130900": 7.3 * 1.1,
    "131000": 5.5 * 1.1,
    "131100": 4.2 * 0.8,
    "130181": 0.6 * 0.8,
    "130682": 1.1 * 0.8,
    "133100": 1.2 * 0.9,
}
# Office codes (digits 3-4 of the city code + registration point); the province-managed units
# would otherwise share their city's digits.
OFFICE_CODES = {"130181": "0181", "130682": "0682", "133100": "3301"}

# (type, share of the number of contracts, value factor): services and development dominate.
CONTRACT_TYPES = [("5", 0.48, 0.8), ("1", 0.28, 1.6), ("4", 0.12, 0.35), ("2", 0.07, 1.3), ("3", 0.05, 1.0)]
SUBTYPES = {
    "1": [("11", 0.7), ("12", 0.3)],
    "2": [("21", 0.45), ("22", 0.1), ("23", 0.2), ("24", 0.15), ("28", 0.1)],
    "3": [("31", 0.6), ("32", 0.2), ("33", 0.2)],
    "4": [("41", 0.3), ("42", 0.1), ("43", 0.2), ("44", 0.3), ("45", 0.1)],
    "5": [("51", 0.85), ("52", 0.08), ("53", 0.07)],
}
TYPE_NAMES = {"1": "技术开发", "2": "技术转让", "3": "技术许可", "4": "技术咨询", "5": "技术服务"}
TECH_FIELDS = [
    ("01", 0.2, "电子信息"),
    ("02", 0.02, "航空航天"),
    ("03", 0.22, "先进制造"),
    ("04", 0.1, "生物医药"),
    ("05", 0.1, "新材料"),
    ("06", 0.1, "新能源与节能"),
    ("07", 0.08, "环境保护"),
    ("08", 0.005, "核应用"),
    ("09", 0.06, "农业"),
    ("10", 0.05, "现代交通"),
    ("11", 0.065, "城市建设"),
]
BUYER_PARTY_TYPES = [
    ("150", 0.45),
    ("170", 0.2),
    ("160", 0.1),
    ("110", 0.1),
    ("010", 0.04),
    ("021", 0.03),
    ("022", 0.02),
    ("023", 0.02),
    ("030", 0.01),
    ("300", 0.02),
    ("200", 0.005),
    ("400", 0.005),
]
# Seller organisations: (kind, party types, share)
SELLER_KINDS = [
    ("enterprise", ["150", "160", "170", "110"], 0.72),
    ("research_institute", ["021"], 0.13),
    ("university", ["022"], 0.1),
    ("transfer_institution", ["150"], 0.05),
]
# Where buyers are: Hebei, Beijing, Tianjin, another province, abroad.
BUYER_PLACES = [("hebei", 0.78), ("beijing", 0.10), ("tianjin", 0.06), ("other", 0.05), ("foreign", 0.01)]
BEIJING_DISTRICTS = ["110108", "110105", "110102", "110115", "110114"]
TIANJIN_DISTRICTS = ["120116", "120104", "120101", "120111"]
OTHER_PROVINCES = ["370000", "410000", "140000", "320000", "310000", "440000", "330000", "210000"]
FOREIGN_COUNTRIES = ["US", "DE", "JP", "KR", "RU", "SG", "GB", "FR"]
# Fictional but plausible names: place, trade name, line of business, legal form. A generated name
# may repeat (names are not unique in China either); credit codes are unique.
TRADE_NAMES = [
    "恒信",
    "华创",
    "博远",
    "瑞丰",
    "天成",
    "中科",
    "鑫达",
    "宏图",
    "新宇",
    "金泰",
    "汇智",
    "长城",
    "凯盛",
    "安捷",
    "润泽",
    "众诚",
    "华腾",
    "德润",
    "明阳",
    "嘉禾",
    "拓普",
    "旭日",
    "冀东",
    "燕赵",
    "太行",
    "渤海",
    "滹沱",
    "长安",
    "正源",
    "聚力",
    "同创",
    "联合",
    "东方",
    "北辰",
    "晨光",
    "星辰",
    "鼎盛",
    "福源",
    "永固",
    "精工",
]
SELLER_LINES = {
    "enterprise": [
        "信息技术",
        "智能装备",
        "新材料",
        "生物科技",
        "节能环保",
        "电子科技",
        "软件",
        "自动化",
        "检测技术",
        "医药",
    ],
    "research_institute": [
        "新材料研究院",
        "智能制造研究院",
        "农业科学研究所",
        "化工研究院",
        "生物技术研究所",
        "环境科学研究院",
    ],
    "university": ["理工学院", "科技学院", "职业技术学院", "工程学院", "医学院", "农林学院"],
    "transfer_institution": ["技术转移中心", "科技成果转化服务中心", "知识产权运营中心"],
}
SELLER_FORMS = ["有限公司", "科技有限公司", "股份有限公司", "技术有限公司"]
BUYER_LINES = ["钢铁", "机械制造", "化工", "食品", "纺织", "建材", "电气", "汽车零部件", "制药", "装备", "物流", "能源"]
BUYER_FORMS = ["有限公司", "集团有限公司", "股份有限公司", "有限责任公司"]
FOREIGN_NAMES = {
    "US": "{} Technologies Inc.",
    "DE": "{} Technik GmbH",
    "JP": "{} Kogyo K.K.",
    "KR": "{} Tech Co., Ltd.",
    "RU": "{} Tekhnologii LLC",
    "SG": "{} Innovations Pte. Ltd.",
    "GB": "{} Engineering Ltd",
    "FR": "{} Technologies SAS",
}
FOREIGN_STEMS = ["Nordwind", "Bluepeak", "Sakura", "Hanbit", "Volga", "Lionbridge", "Thames", "Lumiere", "Crestline"]


def organisation_name(rng: random.Random, place: str, kind: str) -> str:
    """A plausible name of a seller of ``kind`` in ``place`` (a region name), e.g. 正定恒信新材料科技有限公司."""
    where = place_short_name(place)
    line = rng.choice(SELLER_LINES[kind])
    if kind == "enterprise":
        return f"{where}{rng.choice(TRADE_NAMES)}{line}{rng.choice(SELLER_FORMS)}"
    if kind == "university":
        return f"{where}{line}"
    return f"{where}{rng.choice(TRADE_NAMES)}{line}" if kind == "transfer_institution" else f"{where}{line}"


def buyer_name(rng: random.Random, place: str) -> str:
    """A plausible name of a buying enterprise in ``place``, e.g. 唐山冀东钢铁集团有限公司."""
    return f"{place_short_name(place)}{rng.choice(TRADE_NAMES)}{rng.choice(BUYER_LINES)}{rng.choice(BUYER_FORMS)}"


EXTERNAL_SHARE = 0.06
EXTERNAL_SELLER_PLACES = [("beijing", 0.6), ("tianjin", 0.25), ("other", 0.15)]
# Statuses of contracts registered here (a "changed" draw makes two rows: old and new version).
STATUSES = [
    ("registered", 0.935),
    ("changed", 0.02),
    ("cancelled", 0.01),
    ("revoked", 0.003),
    ("refused", 0.01),
    ("under_review", 0.01),
    ("submitted", 0.005),
    ("draft", 0.007),
]
# Registrations rush towards the year end (annual reports, tax); January and February are quiet.
MONTH_WEIGHTS = [0.6, 0.6, 0.9, 0.9, 1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.1, 1.6]
YEAR_GROWTH = 1.2  # contract numbers grew ~20 % a year (Hebei's value: 244 亿 in 2016, 1,300 亿 in 2022)
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class Draw:
    """Weighted draws from [(value, weight), ...], with the cumulative weights computed once."""

    def __init__(self, pairs):
        self.values = [value for value, _weight in pairs]
        total, self.cumulative = 0.0, []
        for _value, weight in pairs:
            total += weight
            self.cumulative.append(total)

    def __call__(self, rng: random.Random):
        # What rng.choices(values, cum_weights=...) does, without its per-call set-up.
        return self.values[bisect_right(self.cumulative, rng.random() * self.cumulative[-1], 0, len(self.values) - 1)]


def _weighted(rng: random.Random, pairs):
    """A draw from [(value, weight), ...]."""
    return Draw(list(pairs))(rng)


DRAW_TYPE = Draw([(t, share) for t, share, _f in CONTRACT_TYPES])
DRAW_SUBTYPE = {t: Draw(pairs) for t, pairs in SUBTYPES.items()}
DRAW_FIELD = Draw([(f, share) for f, share, _n in TECH_FIELDS])
FIELD_NAMES = {f: name for f, _share, name in TECH_FIELDS}
DRAW_MONTH = Draw(list(zip(range(1, 13), MONTH_WEIGHTS, strict=True)))
DRAW_TIER = Draw([("5", 0.8), ("4", 0.08), ("3", 0.08), ("2", 0.02), ("1", 0.02)])
DRAW_PAYMENT = Draw([("1", 0.45), ("2", 0.45), ("3", 0.05), ("4", 0.05)])
DRAW_BUYER_PLACE = Draw(BUYER_PLACES)
DRAW_EXTERNAL_PLACE = Draw(EXTERNAL_SELLER_PLACES)
DRAW_STATUS = Draw(STATUSES)
OBJECTIVES = ["10", "10", "10", "02", "01", "03", "09", "06", "05"]
LICENCE_KINDS = ["exclusive", "sole", "ordinary"]

_TYPE_FACTOR_MEAN = sum(share * factor for _t, share, factor in CONTRACT_TYPES) / sum(s for _t, s, _f in CONTRACT_TYPES)
# The lognormal's mu per contract type, so that the mix averages MEAN_CONTRACT_VALUE.
_VALUE_MU = {
    t: math.log(MEAN_CONTRACT_VALUE * factor / _TYPE_FACTOR_MEAN) - VALUE_SIGMA**2 / 2
    for t, _share, factor in CONTRACT_TYPES
}


def contract_value_draw(rng: random.Random, contract_type: str) -> Decimal:
    """A contract value in yuan (whole yuan), lognormal around ``MEAN_CONTRACT_VALUE`` for the whole mix."""
    value = min(max(rng.lognormvariate(_VALUE_MU[contract_type], VALUE_SIGMA), 5_000), MAX_CONTRACT_VALUE)
    return Decimal(round(value)).quantize(Decimal("0.01"))


def technology_value_draw(rng: random.Random, contract_value: Decimal) -> Decimal:
    """Most contracts are all technology; about a quarter deduct equipment or materials."""
    if rng.random() < 0.72:
        return contract_value
    return (contract_value * Decimal(str(round(rng.uniform(0.55, 0.98), 3)))).quantize(Decimal("0.01"))


# Base32's alphabet mapped onto the office's: 80 random bits are then 16 of its characters, encoded in C.
_BASE32_TO_ALPHABET = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)


def _verification_code() -> str:
    # 80 random bits as 16 characters of the office's alphabet (like models.new_verification_code, faster).
    return base64.b32encode(os.urandom(10)).decode().translate(_BASE32_TO_ALPHABET)


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)`` for the hot loop: one float draw instead of rejection sampling of bits."""
    return low + int(rng.random() * (high - low + 1))


@dataclass
class Party:
    name: str
    credit_code: str
    region: str | None  # the region the portal counts (outside Hebei: the province)
    region_code: str  # as declared
    country: str
    party_type: str
    organisation_id: int | None = None

    def copy_texts(self) -> tuple[str, str, str, str, str, str]:
        """name, credit code, region, declared region code, country, party type as COPY fields."""
        region = self.region if self.region is not None else "\\N"
        return copy_escape(self.name), self.credit_code, region, self.region_code, self.country, self.party_type


@dataclass
class GenerationResult:
    rows: int = 0
    by_status: dict = field(default_factory=lambda: defaultdict(int))
    external: int = 0
    events: int = 0  # history rows written
    seconds: float = 0.0
    index_seconds: float = 0.0  # of ``seconds``: building the indexes again after a large load
    write_seconds: float = 0.0  # PostgreSQL's COPY time (overlapping the generation when threaded)
    wait_seconds: float = 0.0  # the generation's waits for PostgreSQL

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _World:
    """The reference data and the pools contracts are drawn from."""

    def __init__(self, rng: random.Random, *, sellers: int, buyers: int, seed: int):
        from apps.core.models import Region

        self.rng = rng
        # Names from a stream of their own, so that they do not shift the draws of the data itself.
        self.name_rng = random.Random(f"names-{seed}")
        regions = list(Region.objects.filter(is_active=True).values("code", "name", "level", "unit_id"))
        self.names = {r["code"]: r["name"] for r in regions}
        members = defaultdict(list)
        for r in regions:
            if r["unit_id"] and r["level"] == "county":
                members[r["unit_id"]].append(r["code"])
        self.counties = {unit: members.get(unit) or [unit] for unit in UNIT_SELLER_WEIGHTS}
        self.unit_of = {county: unit for unit, counties in self.counties.items() for county in counties}
        self.offices = self._offices()
        self.sellers = self._sellers(sellers, seed)
        self.buyers = self._buyers(buyers, seed)
        self.external_sellers = {
            place: [self._outside_party(place, f"ext-{seed}-{place}-{i}", seller=True) for i in range(60)]
            for place, _w in EXTERNAL_SELLER_PLACES
        }

    def county_in(self, weights: dict) -> str:
        unit = _weighted(self.rng, weights.items())
        return self.rng.choice(self.counties[unit])

    def _offices(self) -> dict:
        """One active office per unit: an existing one covering it, or a new one."""
        from apps.accounts.demo import demo_credit_code
        from apps.accounts.models import Organisation
        from apps.contracts.models import RegistrationOffice

        offices = {}
        taken = set(RegistrationOffice.objects.values_list("code", flat=True))
        for unit in UNIT_SELLER_WEIGHTS:
            office = RegistrationOffice.objects.filter(covers_region_id=unit, is_active=True).order_by("code").first()
            if office is None:
                code = OFFICE_CODES.get(unit, unit[2:4] + "01")
                while code in taken:
                    code = code[:2] + f"{(int(code[2:]) + 1) % 100:02d}"
                name = f"{self.names[unit]}技术合同登记站（基准数据）"
                organisation, _created = Organisation.objects.get_or_create(
                    credit_code=demo_credit_code("registration_office", unit, name),
                    defaults={"name": name, "kind": "registration_office", "region_id": unit, "status": "active"},
                )
                office = RegistrationOffice.objects.create(organisation=organisation, code=code, covers_region_id=unit)
                taken.add(code)
            offices[unit] = office
        return offices

    def _sellers(self, count: int, seed: int) -> list:
        from apps.accounts.demo import demo_credit_code
        from apps.accounts.models import Organisation

        rows = []
        for i in range(count):
            county = self.county_in(UNIT_SELLER_WEIGHTS)
            kind, party_types, _share = _weighted(self.rng, [(k, k[2]) for k in SELLER_KINDS])
            name = organisation_name(self.name_rng, self.names[county], kind)
            rows.append(
                Organisation(
                    name=name,
                    credit_code=demo_credit_code(kind, county, f"bench-{seed}-{i}"),
                    kind=kind,
                    party_type=self.rng.choice(party_types),
                    region_id=county,
                    status="active",
                )
            )
        Organisation.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
        saved = {o.credit_code: o for o in Organisation.objects.filter(credit_code__in=[r.credit_code for r in rows])}
        return [saved[r.credit_code] for r in rows]

    def _outside_party(self, place: str, seed: str, *, seller=False) -> Party:
        from apps.accounts.demo import demo_credit_code

        rng = random.Random(seed)
        if place == "foreign":
            country = rng.choice(FOREIGN_COUNTRIES)
            return Party(FOREIGN_NAMES[country].format(rng.choice(FOREIGN_STEMS)), "", None, "", country, "300")
        if place == "beijing":
            code = rng.choice(BEIJING_DISTRICTS)
            province = "110000"
        elif place == "tianjin":
            code = rng.choice(TIANJIN_DISTRICTS)
            province = "120000"
        else:
            province = rng.choice(OTHER_PROVINCES)
            code = province[:2] + "0100"
        word = rng.choice(["研究院", "科技有限公司", "大学"]) if seller else "科技有限公司"
        party_type = {"研究院": "021", "大学": "022"}.get(word, _weighted(rng, BUYER_PARTY_TYPES[:4]))
        place_name = self.names[province]
        if word == "科技有限公司":
            name = organisation_name(rng, place_name, "enterprise") if seller else buyer_name(rng, place_name)
        else:
            name = organisation_name(rng, place_name, {"研究院": "research_institute", "大学": "university"}[word])
        return Party(name, demo_credit_code("enterprise", code, seed), province, code, "CN", party_type)

    def _buyers(self, count: int, seed: int) -> dict:
        pools = defaultdict(list)
        for i in range(count):
            place = _weighted(self.rng, BUYER_PLACES)
            if place == "hebei":
                county = self.county_in(UNIT_BUYER_WEIGHTS)
                party_type = _weighted(self.rng, BUYER_PARTY_TYPES)
                from apps.accounts.demo import demo_credit_code

                credit = "" if party_type == "400" else demo_credit_code("enterprise", county, f"buyer-{seed}-{i}")
                name = buyer_name(self.name_rng, self.names[county])
                pools[place].append(Party(name, credit, county, county, "CN", party_type))
            else:
                pools[place].append(self._outside_party(place, f"buyer-{seed}-{i}"))
        for place, _w in BUYER_PLACES:  # every place has someone, however small the pool
            if not pools[place]:
                pools[place].append(
                    self._outside_party(place, f"buyer-{seed}-{place}")
                    if place != "hebei"
                    else Party(buyer_name(self.name_rng, self.names["130102"]), "", "130102", "130102", "CN", "150")
                )
        return pools

    def buyer(self) -> Party:
        return self.rng.choice(self.buyers[DRAW_BUYER_PLACE(self.rng)])

    def hebei_buyer(self) -> Party:
        return self.rng.choice(self.buyers["hebei"])


@dataclass(frozen=True)
class _Seller:
    """A seller organisation as the COPY fields of a contract, with the office that registers its contracts."""

    pk: str
    name: str
    credit_code: str
    region: str
    party_type: str
    office: object  # RegistrationOffice


def _at(day: date, hour: int) -> str:
    """A time of ``day`` in Shanghai as a COPY field."""
    return f"{day.isoformat()} {hour:02d}:00:00+08:00"


def generate_contracts(
    n: int,
    *,
    year_from: int,
    year_to: int,
    seed: int,
    batch_size: int = 10_000,
    sellers: int | None = None,
    buyers: int | None = None,
    history: bool = True,
    rebuild_indexes: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationResult:
    """Write ``n`` contract rows registered (or drafted) from ``year_from`` to ``year_to``; deterministic per ``seed``.

    Registration numbers continue each office's serial (``RegistrationSerial`` is updated), so
    the portal keeps numbering correctly afterwards and the generator can run again. With
    ``history`` (the default) each row gets the insert event pghistory's trigger would have
    written, under one ``pghistory.context(action="data.generate")``; the caller rebuilds the KPI
    facts (or lets ``contract_facts_fill`` take the events in). ``rebuild_indexes``: drop and
    rebuild the secondary indexes of the tables written (default: when ``n`` is large against
    what they hold, ``apps.core.bulk``). Returns the counts and the time taken.
    """
    import pghistory
    from django.db.models import Count
    from django.db.models.functions import Substr
    from django.utils import timezone

    from apps.contracts.models import Contract, RegistrationSerial
    from apps.core import bulk

    started = time.perf_counter()
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    result = GenerationResult()
    layout = bulk.copy_layout(Contract, history=history, defaults={"created_at": now, "updated_at": now})
    tables = [layout.table] + ([layout.event_table] if history else [])
    if rebuild_indexes is None:
        rebuild_indexes = bulk.indexes_worth_rebuilding(layout.table, n)
    report: dict = {}
    with contextlib.ExitStack() as stack:
        context = stack.enter_context(pghistory.context(action="data.generate", seed=seed))
        context_id = bulk.history_context(context) if history else ""
        # Pools in proportion: a seller per 2,500 contracts (at least 400, Hebei's ~10,000 at most), a buyer per 20.
        sellers = sellers or max(400, min(10_000, n // 2_500))
        world = _World(rng, sellers=sellers, buyers=buyers or max(200, min(20_000, n // 20)), seed=seed)
        years = list(range(year_from, year_to + 1))
        draw_year = Draw([(year, YEAR_GROWTH**i) for i, year in enumerate(years)])
        serials = {
            (s.office_id, s.year): s.last
            for s in RegistrationSerial.objects.filter(office__in=world.offices.values(), year__in=years)
        }
        # External numbers continue from the bench records already there: (year, province digits) -> count.
        external_serials = defaultdict(int)
        for row in (
            Contract.objects.filter(is_external=True, external_source="bench")
            .annotate(y=Substr("registration_number", 1, 4), p=Substr("registration_number", 5, 2))
            .values("y", "p")
            .annotate(n=Count("id"))
        ):
            external_serials[row["y"], row["p"]] = row["n"]
        seller_pool = [
            _Seller(
                str(o.pk),
                copy_escape(o.name),
                o.credit_code,
                o.region_id,
                o.party_type,
                world.offices[world.unit_of[o.region_id]],
            )
            for o in world.sellers
        ]
        buyer_pools = {place: [p.copy_texts() for p in pool] for place, pool in world.buyers.items()}
        hebei_buyers = buyer_pools["hebei"]
        external_pools = {
            place: [(p.region[:2], p.copy_texts()) for p in pool] for place, pool in world.external_sellers.items()
        }
        if rebuild_indexes:
            stack.enter_context(bulk.indexes_dropped(tables, report=report))
        writer = stack.enter_context(bulk.CopyWriter(triggers=[layout.trigger]))
        P = layout.position
        template = layout.template

        def number(office, day: date) -> str:
            key = (office.pk, day.year)
            serials[key] = serials.get(key, 0) + 1
            return f"{day.year:04d}13{office.code}{serials[key]:06d}"

        def contract_row(index: int, status: str, *, external: bool) -> tuple[list[str], Decimal]:
            """The COPY fields of one contract (its id still to set), and its contract value."""
            contract_type = DRAW_TYPE(rng)
            subtype = DRAW_SUBTYPE[contract_type](rng)
            tech_field = DRAW_FIELD(rng)
            contract_value = contract_value_draw(rng, contract_type)
            technology_value = technology_value_draw(rng, contract_value)
            year = draw_year(rng)
            registered_on = min(date(year, DRAW_MONTH(rng), _between(rng, 1, 28)), today)
            signed_on = registered_on - timedelta(days=_between(rng, 3, 60))
            signed = signed_on.isoformat()
            row = template.copy()
            row[P["name"]] = f"{FIELD_NAMES[tech_field]}{TYPE_NAMES[contract_type]}项目{index + 1}"
            row[P["contract_type"]] = contract_type
            row[P["subtype"]] = subtype
            if contract_type == "3":
                row[P["licence_kind"]] = rng.choice(LICENCE_KINDS)
            row[P["tech_field"]] = tech_field
            row[P["programme_tier"]] = DRAW_TIER(rng)
            row[P["socioeconomic_objective"]] = rng.choice(OBJECTIVES)
            row[P["payment_method"]] = DRAW_PAYMENT(rng)
            row[P["signed_on"]] = row[P["valid_from"]] = signed
            row[P["valid_until"]] = (signed_on + timedelta(days=_between(rng, 180, 1100))).isoformat()
            row[P["contract_value"]] = str(contract_value)
            row[P["technology_value"]] = str(technology_value)
            row[P["status"]] = status
            if contract_type in ("2", "3"):
                row[P["expected_investment"]] = str(contract_value * _between(rng, 1, 5))
                row[P["expected_output"]] = str(contract_value * _between(rng, 2, 20))
            if external:
                province, seller = rng.choice(external_pools[DRAW_EXTERNAL_PLACE(rng)])
                buyer = rng.choice(hebei_buyers)
                key = (f"{registered_on.year:04d}", province)
                external_serials[key] += 1
                reg_number = f"{key[0]}{key[1]}9901{external_serials[key]:06d}"
                row[P["is_external"]] = "t"
                row[P["external_source"]] = "bench"
                row[P["external_id"]] = row[P["registration_number"]] = reg_number
                row[P["registered_on"]] = registered_on.isoformat()
                (
                    row[P["seller_name"]],
                    row[P["seller_credit_code"]],
                    row[P["seller_region_id"]],
                    row[P["seller_region_code"]],
                    _country,
                    row[P["seller_party_type"]],
                ) = seller
            else:
                organisation = rng.choice(seller_pool)
                buyer = rng.choice(buyer_pools[DRAW_BUYER_PLACE(rng)])
                office = organisation.office
                row[P["seller_id"]] = organisation.pk
                row[P["seller_name"]] = organisation.name
                row[P["seller_credit_code"]] = organisation.credit_code
                row[P["seller_region_id"]] = row[P["seller_region_code"]] = organisation.region
                row[P["seller_party_type"]] = organisation.party_type
                if status != "draft":
                    row[P["office_id"]] = str(office.pk)
                    row[P["submitted_at"]] = _at(signed_on + timedelta(days=2), 10)
                if status in ("registered", "changed", "cancelled", "revoked", "refused", "under_review"):
                    accepted = min(registered_on - timedelta(days=_between(rng, 1, 14)), today)
                    row[P["accepted_on"]] = max(accepted, signed_on).isoformat()
                    row[P["decision_due"]] = (registered_on + timedelta(days=10)).isoformat()
                if status in ("registered", "changed", "cancelled", "revoked"):
                    confirmed = technology_value
                    if rng.random() < 0.05:  # the office confirms less than declared
                        confirmed = (technology_value * Decimal("0.85")).quantize(Decimal("0.01"))
                    row[P["confirmed_technology_value"]] = str(confirmed)
                    row[P["second_review"]] = "t" if confirmed >= SECOND_REVIEW_THRESHOLD else "f"
                    row[P["registration_number"]] = number(office, registered_on)
                    row[P["registered_on"]] = registered_on.isoformat()
                    row[P["decided_at"]] = _at(registered_on, 15)
                    row[P["verification_code"]] = _verification_code()
                if status == "revoked":
                    row[P["revocation_reason"]] = rng.choice(["sham", "fraud", "duplicate"])
                if status == "refused":
                    row[P["refusal_reason"]] = rng.choice(["unclear", "not_tech", "documents"])
                    row[P["decided_at"]] = _at(today, 10)
            (
                row[P["buyer_name"]],
                row[P["buyer_credit_code"]],
                row[P["buyer_region_id"]],
                row[P["buyer_region_code"]],
                row[P["buyer_country_id"]],
                row[P["buyer_party_type"]],
            ) = buyer
            result.rows += 1
            result.by_status[status] += 1
            result.external += external
            return row, contract_value

        def new_version(old: list[str], contract_value: Decimal) -> list[str]:
            """The registered change of ``old``: same number and date, a revised value."""
            new = old.copy()
            new[P["version"]] = "2"
            new[P["status"]] = "registered"
            new[P["contract_value"]] = str((contract_value * Decimal("1.1")).quantize(Decimal("0.01")))
            new[P["verification_code"]] = _verification_code()
            result.rows += 1
            result.by_status["registered"] += 1
            return new

        index = 0
        while index < n:
            batch = []
            while len(batch) < batch_size and index < n:
                external = rng.random() < EXTERNAL_SHARE
                status = "registered" if external else DRAW_STATUS(rng)
                if status == "changed" and index + 1 < n:
                    old, value = contract_row(index, "changed", external=False)
                    batch += [old, new_version(old, value)]
                    index += 2
                    continue
                batch.append(contract_row(index, "registered" if status == "changed" else status, external=external)[0])
                index += 1
            ids = bulk.ids_take(layout.table, len(batch))
            stamp = timezone.now().isoformat()
            lines, events = [], []
            previous = None
            for row, pk in zip(batch, ids, strict=True):
                pk = row[P["id"]] = str(pk)
                if row[P["version"]] == "2":
                    row[P["previous_id"]] = previous  # a new version follows its old one in the batch
                previous = pk
                line = "\t".join(row)
                lines.append(line)
                if history:
                    events.append(layout.event_line(line, row, pk=pk, stamp=stamp, context=context_id))
            copies = [(layout.table, layout.columns, "\n".join(lines) + "\n")]
            if history:
                copies.append((layout.event_table, layout.event_columns, "\n".join(events) + "\n"))
                result.events += len(events)
            writer.send(copies)
            if progress:
                progress(result.rows)
        writer.close()
        result.write_seconds, result.wait_seconds = writer.write_seconds, writer.wait_seconds
        if not rebuild_indexes:  # (the rebuild analyses the tables itself)
            bulk.tables_analyse(tables)
        RegistrationSerial.objects.bulk_create(
            [RegistrationSerial(office_id=office, year=year, last=last) for (office, year), last in serials.items()],
            update_conflicts=True,
            unique_fields=["office", "year"],
            update_fields=["last"],
        )
    result.index_seconds = report.get("index_seconds", 0.0)
    result.seconds = time.perf_counter() - started
    return result
