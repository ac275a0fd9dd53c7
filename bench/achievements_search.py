"""Benchmark: Chinese full-text search and matching over 1,000,000 generated achievements.

    .venv/bin/python bench/achievements_search.py [--n 1000000] [--needs 50000] [--reuse]

Recreates the database ``hebtt_bench_search`` on the server of DATABASE_URL (or
BENCH_DATABASE_URL), migrates it, loads the reference data, then generates ``--n`` achievements
and ``--needs`` needs (rows/s): titles and summaries composed from field-specific phrases
(秸秆综合利用, 污水处理, 工业机器人, 5G…) with varied figures, in Hebei's units (~88 %),
Beijing/Tianjin (~8 %) and elsewhere, ~85 % published. Each distinct phrase is segmented once
(``search.segment``) and the weighted tsvector is written from the cached segments, with COPY,
triggers off, the secondary indexes dropped during the load and rebuilt after it.

Then it prints, for ~20 typical queries, the latency (median, p95 over 5 runs each) of a page
of 20 results of ``search.listing_search`` over the published achievements, without and with
filters, and the same for an ``ILIKE '%query%'`` scan of title and summary (one run each, the
reference); then the latency of ``matching.need_matches_compute`` for 50 needs and of
``matching.achievement_matches_compute`` for 50 achievements, and EXPLAIN ANALYZE of the slowest
search. ``--reuse`` keeps a bench database that already holds the rows.
"""

import argparse
import io
import random
import statistics as stats
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_database_prepare, bench_database_url, percentile

RUNS = 5
PAGE = 20

# Per technology field: its share of the listings, subjects, what is done to them, the techniques
# used, where they apply, and the push fields they serve.
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
STATUSES = [
    ("published", 0.85),
    ("draft", 0.04),
    ("pending", 0.03),
    ("returned", 0.01),
    ("withdrawn", 0.04),
    ("transferred", 0.03),
]
NEED_STATUSES = [("published", 0.85), ("draft", 0.05), ("pending", 0.03), ("fulfilled", 0.04), ("expired", 0.03)]
# "intermediate" (12 characters) does not fit the maturity columns (max_length 8) yet.
MATURITIES = ["early", "trl3", "mature", "mature", "trl4", "trl5", "trl6", "trl7", "trl8", "trl9"]
IP_TYPES = ["invention", "invention", "utility_model", "software", "tech_secret", "none"]
MODES = ["transfer", "licensing", "equity", "co_development"]

QUERIES = [
    ("秸秆综合利用", "07"),
    ("污水处理", "07"),
    ("废旧锂电池回收", "07"),
    ("智慧城市", "01"),
    ("工业机器人", "03"),
    ("中药材种植", "09"),
    ("绿色建筑", "11"),
    ("5G", "01"),
    ("PLC", "03"),
    ("有机肥", "09"),
    ("土壤修复", "07"),
    ("光伏发电", "06"),
    ("大数据平台", "01"),
    ("膜生物反应器", "07"),
    ("新能源汽车", "10"),
    ("节能", "06"),
    ("石墨烯", "05"),
    ("无人机", "02"),
    ("疫苗", "04"),
    ("智能灌溉", "09"),
    ("装配式建筑 BIM", "11"),
    ("畜禽粪污 厌氧发酵 沼气", "07"),
]


class Phrases:
    """Segments each distinct phrase once; builds a listing's weighted tsvector from the cache."""

    def __init__(self):
        from apps.achievements.search import segment

        self.segment = segment
        self.cache: dict[str, tuple[str, ...]] = {}

    def words(self, phrase: str) -> tuple[str, ...]:
        words = self.cache.get(phrase)
        if words is None:
            words = self.cache[phrase] = tuple(self.segment(phrase))
        return words

    def tsvector(self, sections) -> str:
        """The text of ``setweight(A) || setweight(B) || setweight(C)`` for lists of phrases."""
        positions: dict[str, list[str]] = {}
        position = 0
        for weight, phrases in sections:
            for phrase in phrases:
                for word in self.words(phrase):
                    position = min(position + 1, 16383)
                    positions.setdefault(word, []).append(f"{position}{weight}")
        # Lexemes are letters, digits and ideographs (search._LEXEME): no quoting needed inside ''.
        return " ".join(f"'{word}':{','.join(at)}" for word, at in positions.items())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _array(values) -> str:
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


def _draw(rng: random.Random, pairs):
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


class World:
    def __init__(self, rng: random.Random):
        from apps.accounts.demo import demo_credit_code
        from apps.accounts.models import Organisation
        from apps.core.models import Region

        self.rng = rng
        self.counties = list(
            Region.objects.filter(level="county", unit__isnull=False, code__startswith="13").values_list(
                "code", flat=True
            )
        )
        self.fields = list(FIELDS)
        self.field_weights = [FIELDS[code][0] for code in self.fields]
        self.vocab = {code: (*(text.split() for text in spec[1:5]), spec[5]) for code, spec in FIELDS.items()}
        organisations = []
        for i in range(2000):
            region = self.region()
            kind = rng.choice(["university", "research_institute", "enterprise", "enterprise"])
            organisations.append(
                Organisation(
                    name=f"基准{kind[:3]}单位{i:04d}",
                    credit_code=demo_credit_code(kind, region if region.startswith("13") else "130100", f"s{i}"),
                    kind=kind,
                    region_id=region,
                    status="active",
                )
            )
        Organisation.objects.bulk_create(organisations, ignore_conflicts=True, batch_size=1000)
        self.organisations = list(
            Organisation.objects.filter(name__startswith="基准").values_list("id", "name", "region_id")
        )

    def region(self) -> str:
        draw = self.rng.random()
        if draw < 0.88:
            return self.rng.choice(self.counties)
        if draw < 0.96:
            return self.rng.choice(["110000", "120000"])
        return self.rng.choice(["310000", "320000", "370000", "410000", "440000"])

    def effect(self) -> str:
        return self.rng.choice(EFFECTS).format(n=self.rng.randrange(10, 65, 5), d=self.rng.randrange(1, 6))

    def subject(self):
        rng = self.rng
        field = rng.choices(self.fields, weights=self.field_weights)[0]
        subjects, verbs, techs, places, push = self.vocab[field]
        subject, verb, tech, place = rng.choice(subjects), rng.choice(verbs), rng.choice(techs), rng.choice(places)
        pushes = sorted(set(rng.sample(push, k=min(len(push), rng.choice([1, 1, 2]))))) if push else []
        return field, subject, verb, tech, place, pushes


def generate(n: int, needs: int, *, seed: int, progress) -> dict:
    """COPY ``n`` achievements and ``needs`` needs into the bench database; rows and seconds."""
    from django.db import connection, transaction

    from apps.achievements.models import Achievement, Need

    rng = random.Random(seed)
    world = World(rng)
    phrases = Phrases()
    started = time.perf_counter()
    now = datetime.now(UTC)

    def achievement_row() -> list[str]:
        field, subject, verb, tech, place, pushes = world.subject()
        prefix = rng.choice(PREFIXES).format(tech=tech)
        title_parts = [prefix, subject, verb, rng.choice(SUFFIXES)]
        title = "".join(title_parts)
        keywords = [subject, tech]
        org_id, org_name, org_region = rng.choice(world.organisations)
        summary_parts = [
            "针对",
            subject,
            rng.choice(PAINS),
            "的问题，采用",
            tech,
            "，实现",
            subject,
            verb,
            "。",
            world.effect(),
            "，",
            world.effect(),
            "。已在",
            rng.choice(CITIES),
            place,
            "应用。",
        ]
        advantage = world.effect()
        route = rng.choice(ROUTES)
        status = _draw(rng, STATUSES)
        published = now - timedelta(days=rng.randrange(1, 2500), seconds=rng.randrange(86400))
        negotiable = rng.random() < 0.45
        price = "\\N" if negotiable and rng.random() < 0.7 else str(rng.randrange(5, 500) * 10000)
        vector = phrases.tsvector(
            [("A", title_parts + keywords), ("B", summary_parts), ("C", [advantage, place, org_name, route])]
        )
        stamp = published.isoformat()
        return [
            stamp,
            stamp,
            _escape(title),
            field,
            _array(pushes),
            _array(keywords),
            _array(rng.sample(MODES, k=rng.choice([1, 2]))),
            "",
            "",
            "",
            stamp,
            stamp if status in ("published", "withdrawn", "transferred") else "\\N",
            "",
            "",
            "",
            vector,
            status,
            _escape(org_name),
            "",
            "".join(summary_parts),
            advantage,
            route,
            place,
            rng.choice(MATURITIES),
            rng.choice(IP_TYPES),
            "{}",
            "none",
            price,
            "t" if negotiable or price == "\\N" else "f",
            "\\N",
            "\\N",
            str(org_id),
            world.region() if rng.random() < 0.3 else org_region,
        ]

    def need_row() -> list[str]:
        field, subject, verb, _tech, _place, pushes = world.subject()
        title = f"寻求{subject}{verb}技术"
        org_id, _org_name, org_region = rng.choice(world.organisations)
        problem_parts = [
            "我单位",
            subject,
            rng.choice(PAINS),
            "，希望引进",
            subject,
            verb,
            "技术，要求",
            world.effect(),
        ]
        status = _draw(rng, NEED_STATUSES)
        published = now - timedelta(days=rng.randrange(1, 900), seconds=rng.randrange(86400))
        budget = rng.choice([None, None, 300000, 500000, 1000000, 3000000])
        vector = phrases.tsvector([("A", [title, subject]), ("B", problem_parts), ("C", [])])
        stamp = published.isoformat()
        return [
            stamp,
            stamp,
            title,
            field,
            _array(pushes),
            _array([subject]),
            _array(rng.sample(MODES, k=1)),
            "",
            "",
            "",
            stamp,
            stamp if status == "published" else "\\N",
            "",
            "",
            "",
            vector,
            status,
            "".join(problem_parts),
            "",
            "\\N",
            "\\N" if budget is None else str(budget),
            "\\N",
            rng.choice(["", "", "mature", "trl5", "trl6", "trl7"]),
            "\\N",
            "\\N",
            str(org_id),
            org_region,
        ]

    columns = {
        Achievement: "created_at updated_at title tech_field push_fields keywords transfer_modes contact_name "
        "contact_phone contact_email submitted_at published_at status_note external_source external_id "
        "search_vector status lead_unit team summary advantage commercial_route application_fields maturity "
        "ip_type ip_numbers ip_status price negotiable transferred_at author_id publisher_id region_id",
        Need: "created_at updated_at title tech_field push_fields keywords transfer_modes contact_name contact_phone "
        "contact_email submitted_at published_at status_note external_source external_id search_vector status "
        "problem expected_outcome budget_min budget_max deadline desired_maturity fulfilled_at author_id "
        "publisher_id region_id",
    }
    written = 0
    for model, count, make in ((Achievement, n, achievement_row), (Need, needs, need_row)):
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef NOT LIKE %s",
                [table, "CREATE UNIQUE%"],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        done = 0
        while done < count:
            size = min(50_000, count - done)
            buffer = io.StringIO()
            for _ in range(size):
                buffer.write("\t".join(make()))
                buffer.write("\n")
            buffer.seek(0)
            with transaction.atomic(), connection.cursor() as cursor:
                # A fixture, not user actions: no history rows; the generator keeps the keys valid.
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns[model].split())}) FROM STDIN", buffer, size=1 << 20
                )
            done += size
            written += size
            progress(written, time.perf_counter() - started)
        rebuild = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"\n  {table}: indexes rebuilt and analysed in {time.perf_counter() - rebuild:.1f} s")
    return {"rows": written, "seconds": time.perf_counter() - started, "phrases": len(phrases.cache)}


def timed(call, runs: int = RUNS) -> list[float]:
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def summary_line(name: str, times: list[float], extra: str = "") -> str:
    return (
        f"{name:<44} {stats.median(times) * 1000:>9.1f} {percentile(times, 0.95) * 1000:>9.1f} "
        f"{max(times) * 1000:>9.1f}  {extra}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, help="needs to generate (default n / 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="keep the bench database if it already has the rows")
    parser.add_argument("--details", action="store_true", help="print each query's figures")
    args = parser.parse_args(argv)
    needs = args.needs if args.needs is not None else max(args.n // 20, 100)

    url = bench_database_url("hebtt_bench_search")
    started = time.perf_counter()
    bench_database_prepare(url, fresh=not args.reuse)
    from django.db import connection
    from django.db.models import Q

    from apps.achievements import matching, search
    from apps.achievements.models import Achievement, Need

    print(f"# Search and matching over {args.n:,} generated achievements")
    print(f"database {connection.settings_dict['NAME']} ready in {time.perf_counter() - started:.1f} s")
    if Achievement.objects.count() < args.n:
        if Achievement.objects.exists():
            raise SystemExit("the bench database holds fewer achievements than --n: run without --reuse")
        result = generate(
            args.n,
            needs,
            seed=args.seed,
            progress=lambda rows, seconds: print(f"  {rows:,} rows, {seconds:.0f} s", end="\r", flush=True),
        )
        print(
            f"generated {result['rows']:,} rows in {result['seconds']:.1f} s "
            f"({result['rows'] / result['seconds']:,.0f} rows/s, {result['phrases']:,} distinct phrases segmented)"
        )
    else:
        print(f"reusing {Achievement.objects.count():,} achievements, {Need.objects.count():,} needs")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('achievements_achievement')), "
            "pg_size_pretty(pg_relation_size('achievements_search_gin'))"
        )
        table_size, gin_size = cursor.fetchone()
    print(f"achievements_achievement: {table_size} with indexes (GIN on search_vector {gin_size})")

    published = Achievement.objects.filter(status="published")
    print()
    print(f"{'search (page of 20, 5 runs each)':<44} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}  matches")
    slowest = (0.0, None)
    families = {"no filter": [], "field filter": [], "field + push field filter": [], "ILIKE title/summary": []}
    for text, field in QUERIES:
        pushes = list(FIELDS[field][5][:1])
        variants = [
            ("no filter", published),
            ("field filter", published.filter(tech_field=field)),
            (
                "field + push field filter",
                published.filter(tech_field=field, push_fields__contains=pushes) if pushes else None,
            ),
        ]
        for family, queryset in variants:
            if queryset is None:
                continue
            results = search.listing_search(queryset, text)
            times = timed(lambda r=results: list(r[:PAGE]))
            families[family].extend(times)
            if args.details:
                print(summary_line(f"  {text} ({family})", times, f"{results.count():,}"))
            if max(times) > slowest[0]:
                slowest = (max(times), results[:PAGE])
        like = published.filter(Q(title__icontains=text) | Q(summary__icontains=text)).order_by("-published_at")
        times = timed(lambda q=like: list(q[:PAGE]), runs=1)
        families["ILIKE title/summary"].extend(times)
        if args.details:
            print(summary_line(f"  {text} (ILIKE)", times))
    for family, times in families.items():
        print(summary_line(f"{family} ({len(QUERIES)} queries)", times))
    ratio = stats.median(families["ILIKE title/summary"]) / stats.median(families["no filter"])
    print(f"ILIKE scan / full-text search, median: {ratio:,.0f}x")
    counts = sorted(search.listing_search(published, text).count() for text, _ in QUERIES)
    print(
        f"matches per query (capped at {search.SEARCH_CANDIDATES:,}): min {counts[0]:,}, "
        f"median {stats.median(counts):,.0f}, max {counts[-1]:,}"
    )

    print()
    rng = random.Random(args.seed)
    need_ids = list(Need.objects.filter(status="published").values_list("pk", flat=True)[:5000])
    achievement_ids = list(published.values_list("pk", flat=True)[:5000])
    print(f"{'matching (one compute each)':<44} {'median ms':>9} {'p95 ms':>9} {'max ms':>9}  best score")
    for name, model, ids, compute in (
        ("need_matches_compute (50 needs)", Need, need_ids, lambda x: matching.need_matches_compute(need=x)),
        (
            "achievement_matches_compute (50 achievements)",
            Achievement,
            achievement_ids,
            lambda x: matching.achievement_matches_compute(achievement=x),
        ),
    ):
        listings = list(model.objects.filter(pk__in=rng.sample(ids, min(50, len(ids)))))
        compute(listings[0])  # load jieba's IDF table
        times, best = [], []
        for listing in listings:
            begun = time.perf_counter()
            results = compute(listing)
            times.append(time.perf_counter() - begun)
            best.append(float(results[0].score) if results else 0.0)
        print(summary_line(name, times, f"median {stats.median(best):.1f}"))
    sample = matching.need_matches_compute(need=Need.objects.filter(status="published").first(), limit=3)
    print("example:", Need.objects.filter(status="published").first().title)
    for result in sample:
        print("   ", Achievement.objects.get(pk=result.achievement_id).title, result.score, result.reasons)

    seconds, queryset = slowest
    sql, params = queryset.query.sql_with_params()
    print()
    print(f"## Slowest search run: {seconds * 1000:.1f} ms; EXPLAIN (ANALYZE, BUFFERS):")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        for (line,) in cursor.fetchall():
            print("   ", line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
