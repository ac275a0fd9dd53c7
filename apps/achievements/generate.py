"""Realistic achievements and technology needs in bulk: ``generate_listings``, behind ``manage.py generate_data``.

The listings of the benchmarks and of a national-scale trial, written with ``COPY`` and their
history like the contracts (``apps/core/bulk.py``). What it makes:
- publishers: the universities, research institutes and enterprises already in the database (the
  contract generator's sellers); achievements from all three (universities and institutes
  ~60 %), needs from enterprises only, each listing in its publisher's region;
- titles, keywords and summaries composed from field-specific phrases (秸秆 综合利用, 污水处理,
  工业机器人, 5G, PLC…) with varied figures, in the shares of the technology fields of the
  contracts, with the push fields of the plan's task 10 where they apply;
- maturity, intellectual property (patent numbers with valid check digits), transfer modes, an
  asking price or "negotiable", contacts; ~85 % published, the rest drafts, pending, returned,
  withdrawn, transferred (needs: fulfilled, expired);
- the search vector the portal itself writes (``search.listing_reindex``), so that generated
  listings are found exactly like entered ones.

How many, by default: ``ACHIEVEMENTS_PER_CONTRACT`` and ``NEEDS_PER_ACHIEVEMENT`` (see there).
"""

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.core.bulk import copy_array, copy_escape
from apps.core.validators import patent_check_digit

# Proportions. Achievements: about one listing per ten contracts. Transfer and licensing contracts,
# those that sell an existing achievement, are 12 % of the contracts (apps/contracts/generate.py,
# CONTRACT_TYPES), and most listings never sell, while many contracts (development, services)
# realise no listing: one listing for every 1.2 transfer or licensing contracts. It is also the
# proportion of the search benchmark (1,000,000 listings, DOMAIN.md's ten-million-contract scale).
# Needs: platforms list far more supply than demand (DOMAIN.md: buyers complain about what they
# find, few post what they want); one need per five achievements.
ACHIEVEMENTS_PER_CONTRACT = 0.1
NEEDS_PER_ACHIEVEMENT = 0.2

# Per technology field: its share of the listings, subjects, what is done to them, the techniques
# used, where they apply, and the push fields (plan task 10) they serve.
FIELDS = {
    "01": (
        0.18,
        "工业互联网平台 城市大数据平台 智慧城市管理平台 5G通信模组 边缘计算网关 视频智能分析 区块链溯源 "
        "北斗高精度定位 智能传感器 工业控制软件 网络安全防护 集成电路封装 人工智能算法 物联网终端",
        "研发 优化 集成 国产化替代 智能运维 可视化",
        "深度学习 云计算 物联网 5G 知识图谱 边缘计算 数字孪生 大数据 计算机视觉",
        "智慧城市 政务服务 工业企业 智慧园区 交通管理",
        ["smart_city"],
    ),
    "02": (
        0.02,
        "无人机 卫星遥感 航空发动机叶片 机载设备 无人机巡检 复合材料机翼",
        "设计 制造 检测 研发",
        "遥感 飞控 北斗 复合材料",
        "电力巡检 农林植保 应急救援",
        [],
    ),
    "03": (
        0.2,
        "工业机器人 数控机床 激光焊接 3D打印 精密轴承 智能装备 PLC控制系统 液压系统 高端铸造 视觉检测设备 "
        "自动化生产线 精密减速器 焊接机器人",
        "研发 优化 制造 智能控制 在线检测 国产化替代",
        "机器视觉 PLC 伺服控制 数字孪生 增材制造 深度学习",
        "汽车零部件 装备制造 钢铁企业 电子装配",
        [],
    ),
    "04": (
        0.1,
        "动物疫苗 单克隆抗体 中药材提取 中药配方颗粒 医疗器械 体外诊断试剂 原料药合成 生物发酵 基因检测",
        "研发 制备 产业化 质量控制",
        "基因工程 细胞培养 超临界萃取 酶催化 膜分离",
        "医院 制药企业 养殖场 检测机构",
        [],
    ),
    "05": (
        0.1,
        "石墨烯 碳纤维复合材料 高性能钢材 特种陶瓷 稀土永磁材料 可降解塑料 光伏玻璃 高分子膜材料 纳米涂层",
        "制备 改性 产业化 低成本制备",
        "纳米 溶胶凝胶 热处理 化学气相沉积",
        "新能源汽车 建筑 电子 包装",
        [],
    ),
    "06": (
        0.1,
        "光伏发电 锂电池 氢燃料电池 储能系统 工业余热 风力发电 生物质颗粒燃料 新能源汽车电驱 节能电机 空气源热泵",
        "高效利用 回收 节能改造 智能控制 研发",
        "能量管理 变频 光热 储能 热泵",
        "工业园区 农村清洁取暖 数据中心 钢铁企业",
        ["resource_recycling"],
    ),
    "07": (
        0.1,
        "秸秆 畜禽粪污 农村生活污水 工业废水 城镇污泥 废旧锂电池 建筑垃圾 餐厨垃圾 重金属污染土壤 挥发性有机物 "
        "钢渣 粉煤灰 矿山 黑臭水体",
        "综合利用 资源化利用 无害化处理 深度处理 回收再生 协同处置 生态修复 在线监测 污水处理",
        "膜生物反应器 厌氧发酵 高温好氧堆肥 湿法冶金 催化氧化 生物炭 土壤修复 有机肥",
        "县域 工业园区 养殖场 污水处理厂 矿区",
        ["pollution_control", "resource_recycling", "eco_restoration"],
    ),
    "08": (0.005, "辐照加工 同位素检测", "应用 研发", "电子加速器 辐照", "食品 医疗", []),
    "09": (
        0.07,
        "中药材 设施蔬菜 小麦 玉米 奶牛 果树 食用菌 蛋鸡 谷子 马铃薯",
        "种植 智能灌溉 病虫害绿色防控 高产栽培 精准饲喂 水肥一体化 良种繁育",
        "物联网 无人机植保 生物有机肥 节水灌溉 智能温室",
        "家庭农场 合作社 现代农业园区 贫困村",
        ["modern_agriculture", "poverty_alleviation"],
    ),
    "10": (
        0.05,
        "新能源汽车 智能网联汽车 轨道交通 公路桥梁 物流车辆 城市公交",
        "检测 智能调度 维护 安全预警",
        "车路协同 北斗 大数据 无损检测",
        "公交集团 物流园区 高速公路",
        ["smart_city"],
    ),
    "11": (
        0.065,
        "绿色建筑 装配式建筑 海绵城市 建筑节能 地下管网 老旧小区改造 城市照明 超低能耗建筑",
        "设计 施工 改造 智能监测 节能改造",
        "BIM 保温材料 光伏建筑一体化 物联网",
        "住宅小区 公共建筑 市政工程",
        ["green_building", "smart_city"],
    ),
}
PREFIXES = ["", "", "", "新型", "高效", "低成本", "智能化", "基于{tech}的"]
SUFFIXES = ["技术", "工艺", "设备", "系统", "成套装备", "关键技术", "技术及应用", "产业化"]
PAINS = ["成本高", "效率低", "能耗大", "污染重", "依赖进口", "质量不稳定", "人工多", "利用率低"]
EFFECTS = [
    "成本降低{n}%",
    "效率提高{n}%",
    "能耗降低{n}%",
    "产品合格率达到9{d}%",
    "使用寿命延长{d}倍",
    "排放减少{n}%",
    "投资回收期{d}年",
]
CITIES = ["石家庄", "唐山", "保定", "邯郸", "沧州", "廊坊", "邢台", "衡水", "张家口", "承德", "秦皇岛", "雄安新区"]
ROUTES = ["技术许可给生产企业", "与企业合作建设示范线", "作价入股成立公司", "整体转让", "提供成套设备和技术服务"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_NAMES = ["建国", "志强", "秀英", "丽娟", "海涛", "晓明", "伟", "静", "磊", "敏", "军", "洋", "杰"]
TEAM_TITLES = ["教授", "研究员", "高级工程师", "副教授", "博士"]
# The sentences listings are made of.
SUMMARY = "针对{subject}{pain}的问题，采用{tech}，实现{subject}{verb}。{effect}，{effect2}。已在{city}{place}应用。"
ADVANTAGE = "与现有技术相比，{effect}，{effect2}。"
ROUTE = "{route}，面向{place}推广。"
TEAM = "{person}{title}团队"
NEED_TITLE = "寻求{subject}{verb}技术"
PROBLEM = "我单位{subject}{pain}，希望引进{subject}{verb}技术，要求{effect}。"
OUTCOME = "形成可推广的{subject}{verb}方案，{effect}。"
STATUSES = [
    ("published", 0.85),
    ("draft", 0.04),
    ("pending", 0.03),
    ("returned", 0.01),
    ("withdrawn", 0.04),
    ("transferred", 0.03),
]
NEED_STATUSES = [("published", 0.85), ("draft", 0.05), ("pending", 0.03), ("fulfilled", 0.04), ("expired", 0.03)]
# Universities and institutes list most achievements; enterprises list the rest.
PUBLISHER_KINDS = [("university", 0.35), ("research_institute", 0.25), ("enterprise", 0.4)]
MATURITIES = ["early", "intermediate", "trl3", "trl4", "trl5", "trl6", "trl7", "trl8", "trl9", "mature", "mature"]
IP_TYPES = ["invention", "invention", "invention", "utility_model", "software", "tech_secret", "none"]
PATENT_TYPES = {"invention": "1", "utility_model": "2"}
MODES = ["transfer", "licensing", "equity", "co_development"]
# Review states that have been submitted, and those that have been published (and when).
SUBMITTED = {"pending", "returned", "published", "withdrawn", "transferred", "fulfilled", "expired"}
PUBLISHED = {"published", "withdrawn", "transferred", "fulfilled", "expired"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _cumulative(pairs) -> tuple[list, list[float]]:
    values, weights, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        weights.append(total)
    return values, weights


class SearchVectors:
    """The ``search_vector`` the portal writes for a listing (``search.listing_reindex``), as tsvector text.

    The portal writes ``setweight(to_tsvector('simple', A), 'A') || … B … || … C`` where A, B and C
    are the texts of ``search.listing_texts``, segmented and space-joined. 'simple' makes each word
    one lexeme at the next position, and ``||`` numbers the right side on from the left side's last
    position, so the words alone give the vector: positions 1, 2, 3… through A, B, C.

    jieba cuts each run of ideographs, letters and digits (``jieba.re_han_default``) on its own,
    so segmenting each run once and joining the results gives the words of the whole text. Titles
    and sentences are made of a few thousand runs, which keeps the cache small at any N.
    """

    MAX_POSITION = 16383  # PostgreSQL's: later words share the last position

    def __init__(self):
        import jieba

        from apps.achievements import search

        self._runs = jieba.re_han_default
        self._search = search
        self.cache: dict[str, list[str]] = {}

    def words(self, text: str) -> list[str]:
        words: list[str] = []
        search = self._search
        for run in self._runs.split(search._normalise(text)):
            if not run:
                continue
            cut = self.cache.get(run)
            if cut is None:
                # search.segment without its normalisation, done once for the whole text above.
                cut = self.cache[run] = [
                    lexeme for word in search._jieba().cut_for_search(run) for lexeme in search._lexemes(word)
                ]
            words += cut
        return words

    def vector(self, model_name: str, values: dict) -> str:
        """The tsvector text of a listing (``values``: its ``search.INDEX_FIELDS``)."""
        positions: dict[str, list[str]] = {}
        position = 0
        for weight, text in zip("ABC", self._search.listing_texts(model_name, values), strict=True):
            for word in self.words(text):
                position = min(position + 1, self.MAX_POSITION)
                positions.setdefault(word, []).append(f"{position}{weight}")
        # Lexemes are letters, digits and ideographs only (search._LEXEME): nothing to quote.
        return " ".join(f"'{word}':{','.join(at)}" for word, at in positions.items())


@dataclass
class ListingResult:
    achievements: int = 0
    needs: int = 0
    events: int = 0
    seconds: float = 0.0
    index_seconds: float = 0.0
    write_seconds: float = 0.0  # PostgreSQL's COPY time (overlapping the generation when threaded)
    wait_seconds: float = 0.0  # the generation's waits for PostgreSQL
    phrases: int = 0  # distinct runs segmented

    @property
    def rows(self) -> int:
        return self.achievements + self.needs

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class _Vocabulary:
    """Draws of subjects, figures, people and dates."""

    def __init__(self, rng: random.Random, *, first_day: date, last_day: date):
        self.rng = rng
        self.fields, self.field_weights = _cumulative((code, spec[0]) for code, spec in FIELDS.items())
        self.words = {code: (*(text.split() for text in spec[1:5]), spec[5]) for code, spec in FIELDS.items()}
        self.first_day = first_day
        self.days = max(1, (last_day - first_day).days)

    def subject(self):
        rng = self.rng
        field = rng.choices(self.fields, cum_weights=self.field_weights)[0]
        subjects, verbs, techs, places, push = self.words[field]
        subject, verb, tech, place = rng.choice(subjects), rng.choice(verbs), rng.choice(techs), rng.choice(places)
        pushes = sorted(rng.sample(push, k=min(len(push), rng.choice([1, 1, 2])))) if push else []
        return field, subject, verb, tech, place, pushes

    def effect(self) -> str:
        return self.rng.choice(EFFECTS).format(n=self.rng.randrange(10, 65, 5), d=self.rng.randrange(1, 6))

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES)

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def patent_number(self, ip_type: str, year: int) -> str:
        digits = f"{year:04d}{PATENT_TYPES[ip_type]}{self.rng.randrange(10**7):07d}"
        return f"ZL{digits}.{patent_check_digit(digits)}"

    def moment(self) -> datetime:
        """A time in the generated period, in Shanghai, later periods more likely (listings grew like contracts)."""
        day = self.first_day + timedelta(days=int(self.rng.random() ** 0.7 * self.days))
        return datetime(
            day.year, day.month, day.day, self.rng.randrange(8, 19), self.rng.randrange(60), tzinfo=SHANGHAI
        )


def _stamp(moment: datetime) -> str:
    return moment.isoformat()


def _publishers(kinds: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Active organisations of ``kinds`` as (id text, name, region), by kind."""
    from apps.accounts.models import Organisation

    pools: dict[str, list] = {kind: [] for kind in kinds}
    rows = (
        Organisation.objects.filter(kind__in=kinds, status="active")
        .order_by("pk")
        .values_list("pk", "name", "kind", "region_id")
    )
    for pk, name, kind, region in rows:
        pools[kind].append((str(pk), name, region))
    return pools


def generate_listings(
    achievements: int,
    needs: int,
    *,
    seed: int,
    year_from: int,
    year_to: int,
    batch_size: int = 10_000,
    history: bool = True,
    rebuild_indexes: bool | None = None,
    progress: Callable[[int], None] | None = None,
) -> ListingResult:
    """Write ``achievements`` achievements and ``needs`` needs published from ``year_from`` to ``year_to``.

    Publishers are the active universities, research institutes and enterprises in the database
    (run the contract generator first, or create some); needs come from enterprises. Deterministic
    per ``seed`` and the organisations present. ``history`` and ``rebuild_indexes`` as in
    ``apps.contracts.generate.generate_contracts``.
    """
    import pghistory
    from django.utils import timezone

    from apps.achievements.models import Achievement, Need
    from apps.core import bulk

    started = time.perf_counter()
    result = ListingResult()
    rng = random.Random(f"listings-{seed}")
    today = timezone.localdate()
    now = timezone.now()
    vocabulary = _Vocabulary(rng, first_day=date(year_from, 1, 1), last_day=min(date(year_to, 12, 31), today))
    vectors = SearchVectors()
    pools = _publishers([kind for kind, _weight in PUBLISHER_KINDS])
    if achievements and not any(pools.values()):
        raise ValueError(
            "No active university, institute or enterprise to publish achievements: generate contracts first."
        )
    if needs and not pools["enterprise"]:
        raise ValueError("No active enterprise to publish needs: generate contracts first.")
    kinds, kind_weights = _cumulative((kind, weight) for kind, weight in PUBLISHER_KINDS if pools[kind])
    achievement_layout = bulk.copy_layout(Achievement, history=history)
    need_layout = bulk.copy_layout(Need, history=history)
    statuses, status_weights = _cumulative(STATUSES)
    need_statuses, need_status_weights = _cumulative(NEED_STATUSES)

    def timeline(status: str) -> dict[str, datetime | None]:
        """When a listing in ``status`` was created, submitted, published and last changed (never after now)."""
        created = min(vocabulary.moment(), now)
        submitted = published = None
        if status in SUBMITTED:
            submitted = min(created + timedelta(days=rng.randrange(0, 5), minutes=rng.randrange(1, 600)), now)
        if status in PUBLISHED:
            published = min(submitted + timedelta(days=rng.randrange(1, 10)), now)
        latest = published or submitted or created
        if status in ("withdrawn", "transferred", "fulfilled", "expired", "returned"):
            latest = min(latest + timedelta(days=rng.randrange(1, 300)), now)
        return {"created": created, "submitted": submitted, "published": published, "latest": latest}

    def achievement_row() -> list[str]:
        P = achievement_layout.position
        field, subject, verb, tech, place, pushes = vocabulary.subject()
        title = f"{rng.choice(PREFIXES).format(tech=tech)}{subject}{verb}{rng.choice(SUFFIXES)}"
        keywords = [subject, tech]
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        publisher, name, region = rng.choice(pools[kind])
        summary = SUMMARY.format(
            subject=subject,
            pain=rng.choice(PAINS),
            tech=tech,
            verb=verb,
            effect=vocabulary.effect(),
            effect2=vocabulary.effect(),
            city=rng.choice(CITIES),
            place=place,
        )
        advantage = ADVANTAGE.format(effect=vocabulary.effect(), effect2=vocabulary.effect())
        route = ROUTE.format(route=rng.choice(ROUTES), place=place)
        application_fields = place
        status = rng.choices(statuses, cum_weights=status_weights)[0]
        times = timeline(status)
        ip_type = rng.choice(IP_TYPES)
        ip_status, ip_numbers = "none", []
        if ip_type != "none":
            ip_status = "granted" if rng.random() < 0.7 else "applied"
        if ip_type in PATENT_TYPES:
            year = max(2003, times["created"].year - rng.randrange(0, 6))
            ip_numbers = [vocabulary.patent_number(ip_type, year) for _ in range(rng.choice([1, 1, 2, 3]))]
        negotiable = rng.random() < 0.45
        price = None if negotiable and rng.random() < 0.7 else rng.randrange(5, 500) * 10_000
        team = "" if kind == "enterprise" else TEAM.format(person=vocabulary.person(), title=rng.choice(TEAM_TITLES))
        row = achievement_layout.template.copy()
        row[P["publisher_id"]] = publisher
        row[P["region_id"]] = region
        row[P["title"]] = title
        row[P["tech_field"]] = field
        row[P["push_fields"]] = copy_array(pushes)
        row[P["keywords"]] = copy_array(keywords)
        row[P["transfer_modes"]] = copy_array(rng.sample(MODES, k=rng.choice([1, 2])))
        row[P["contact_name"]] = vocabulary.person()
        row[P["contact_phone"]] = vocabulary.phone()
        row[P["status"]] = status
        row[P["lead_unit"]] = copy_escape(name)
        row[P["team"]] = team
        row[P["summary"]] = summary
        row[P["advantage"]] = advantage
        row[P["commercial_route"]] = route
        row[P["application_fields"]] = application_fields
        row[P["maturity"]] = rng.choice(MATURITIES)
        row[P["ip_type"]] = ip_type
        row[P["ip_numbers"]] = copy_array(ip_numbers)
        row[P["ip_status"]] = ip_status
        row[P["price"]] = "\\N" if price is None else f"{price}.00"
        row[P["negotiable"]] = "t" if negotiable or price is None else "f"
        if status == "transferred":
            row[P["transferred_at"]] = _stamp(times["latest"])
        _times(row, P, times)
        row[P["search_vector"]] = vectors.vector(
            "achievement",
            {
                "title": title,
                "keywords": keywords,
                "summary": summary,
                "advantage": advantage,
                "application_fields": application_fields,
                "lead_unit": name,
                "commercial_route": route,
            },
        )
        return row

    def need_row() -> list[str]:
        P = need_layout.position
        field, subject, verb, _tech, _place, pushes = vocabulary.subject()
        publisher, _name, region = rng.choice(pools["enterprise"])
        title = NEED_TITLE.format(subject=subject, verb=verb)
        keywords = [subject]
        problem = PROBLEM.format(subject=subject, pain=rng.choice(PAINS), verb=verb, effect=vocabulary.effect())
        outcome = OUTCOME.format(subject=subject, verb=verb, effect=vocabulary.effect())
        status = rng.choices(need_statuses, cum_weights=need_status_weights)[0]
        times = timeline(status)
        budget = rng.choice([None, None, 300_000, 500_000, 1_000_000, 3_000_000])
        row = need_layout.template.copy()
        row[P["publisher_id"]] = publisher
        row[P["region_id"]] = region
        row[P["title"]] = title
        row[P["tech_field"]] = field
        row[P["push_fields"]] = copy_array(pushes)
        row[P["keywords"]] = copy_array(keywords)
        row[P["transfer_modes"]] = copy_array(rng.sample(MODES, k=1))
        row[P["contact_name"]] = vocabulary.person()
        row[P["contact_phone"]] = vocabulary.phone()
        row[P["status"]] = status
        row[P["problem"]] = problem
        row[P["expected_outcome"]] = outcome
        if budget is not None:
            row[P["budget_min"]] = f"{budget // 2}.00"
            row[P["budget_max"]] = f"{budget}.00"
        if status == "expired":  # the deadline passed unanswered
            deadline = min(times["created"].date() + timedelta(days=rng.randrange(90, 365)), today - timedelta(days=1))
        else:
            deadline = max(times["created"].date(), today) + timedelta(days=rng.randrange(30, 365))
        row[P["deadline"]] = deadline.isoformat()
        row[P["desired_maturity"]] = rng.choice(["", "", "mature", "trl5", "trl6", "trl7"])
        if status == "fulfilled":
            row[P["fulfilled_at"]] = _stamp(times["latest"])
        _times(row, P, times)
        row[P["search_vector"]] = vectors.vector(
            "need", {"title": title, "keywords": keywords, "problem": problem, "expected_outcome": outcome}
        )
        return row

    jobs = [(achievement_layout, achievements, achievement_row), (need_layout, needs, need_row)]
    with pghistory.context(action="data.generate", seed=seed) as context:
        context_id = bulk.history_context(context) if history else ""
        for layout, count, make in jobs:
            if not count:
                continue
            tables = [layout.table] + ([layout.event_table] if history else [])
            rebuild = bulk.indexes_worth_rebuilding(layout.table, count) if rebuild_indexes is None else rebuild_indexes
            report: dict = {}
            dropped = bulk.indexes_dropped(tables, report=report) if rebuild else contextlib.nullcontext()
            with dropped, bulk.CopyWriter(triggers=[layout.trigger]) as writer:
                done = 0
                while done < count:
                    size = min(batch_size, count - done)
                    rows = [make() for _ in range(size)]
                    stamp = timezone.now().isoformat()
                    lines, events = [], []
                    for row, pk in zip(rows, bulk.ids_take(layout.table, size), strict=True):
                        pk = row[layout.position["id"]] = str(pk)
                        line = "\t".join(row)
                        lines.append(line)
                        if history:
                            events.append(layout.event_line(line, row, pk=pk, stamp=stamp, context=context_id))
                    copies = [(layout.table, layout.columns, "\n".join(lines) + "\n")]
                    if history:
                        copies.append((layout.event_table, layout.event_columns, "\n".join(events) + "\n"))
                        result.events += size
                    writer.send(copies)
                    done += size
                    if layout.model is Achievement:
                        result.achievements += size
                    else:
                        result.needs += size
                    if progress:
                        progress(result.rows)
            result.write_seconds += writer.write_seconds
            result.wait_seconds += writer.wait_seconds
            if not rebuild:  # (the rebuild analyses the tables itself)
                bulk.tables_analyse(tables)
            result.index_seconds += report.get("index_seconds", 0.0)
    result.phrases = len(vectors.cache)
    result.seconds = time.perf_counter() - started
    return result


def _times(row: list[str], P: dict, times: dict) -> None:
    row[P["created_at"]] = _stamp(times["created"])
    row[P["updated_at"]] = _stamp(times["latest"])
    row[P["submitted_at"]] = _stamp(times["submitted"]) if times["submitted"] else "\\N"
    row[P["published_at"]] = _stamp(times["published"]) if times["published"] else "\\N"
