"""Benchmark: talent-pool search (bot.talent.index) over a sparse matrix, beside a plain Python scan, same run.

    python -m tests.benchmarks.bench_pool [--candidates 100000] [--queries 30] [--brute 5] [--seed 11]

Generates --candidates synthetic Chinese profiles (80-300 characters: résumé lines and interview-answer
sentences of eight job families) with tags and a quality from a seed, then prints:
  1. profile_terms throughput (profiles per second) and the time to build the index;
  2. search (top 20) over --queries job descriptions (100-400 characters, every family), three rounds: median
     and p95 milliseconds, the query's own cutting included;
  3. the baseline, PoolIndex.brute_force (a Python loop over every row, same scores), on the first --brute
     queries only, once each (it is slow); the ratio of the medians, and a check that both give the same top 20;
  4. an incremental change: 100 upserts and 100 removals, then the search that merges them;
  5. relevance: the share of 柜员 and 客户经理 profiles in the top 20 for the 柜员 descriptions;
  6. the product's own path: the same pool stored as the product stores it (candidates, pool profiles and tags
     in a fresh SQLite database, 1 % withdrawn) and searched through bot.talent.pool.search, as the pool page does:
     the first search (which loads the index from the database) and the median of the rest, exclusions of
     withdrawn and expired candidates and the loading of the 20 found included. --no-db skips it.
Target: median search < 200 ms at 100,000 candidates. The machine's other load shows in every line alike.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

SCHOOLS = ("中央财经大学", "西南财经大学", "上海财经大学", "江西财经大学", "湖南大学", "郑州大学", "河北金融学院",
           "浙江金融职业学院", "重庆工商大学", "南京审计大学", "武汉理工大学", "电子科技大学", "西安电子科技大学",
           "广东轻工职业技术学院", "天津商业大学", "哈尔滨工业大学")
BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "招商银行", "兴业银行", "邮储银行",
         "农村商业银行", "城市商业银行")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "郑州", "长沙", "合肥")
EDUCATION = ("本科", "大专", "硕士研究生", "全日制本科", "专科")
TAGS = ("沟通能力强", "逻辑清晰", "专业扎实", "稳定性好", "高潜", "抗压能力强", "形象气质佳", "需复核")
COMMON = ("本人性格开朗，做事认真踏实，有较强的学习能力和团队合作精神。",
          "能够适应加班和轮岗安排，服从工作分配。",
          "嗯，我觉得自己最大的优点是细心，遇到问题会主动想办法解决。",
          "希望在新的岗位上继续学习成长，发挥自己的专长。")
# family: (majors, résumé lines, interview-answer sentences)
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "柜员": (("金融学", "会计学", "经济学"), (
        "在{bank}{city}分行担任综合柜员{n}年，负责现金收付、开户销户、转账汇款和日终轧账。",
        "熟练掌握手工点钞和机器点钞，能够准确识别假币，尾箱管理零差错。",
        "熟悉反洗钱规定和柜面业务操作规程，持有银行从业资格证。",
        "在网点协助大堂经理分流客户，引导客户使用智能柜台和自助设备。"), (
        "当时客户排队很久情绪激动，我先安抚他，然后加快办理速度，最后客户表示理解。",
        "我觉得柜员最重要的是准确和合规，每一笔现金都要双人复核。")),
    "客户经理": (("金融学", "市场营销", "工商管理"), (
        "在{bank}担任对公客户经理{n}年，负责小微企业贷款的贷前调查和贷后管理，管户{m}户。",
        "维护个人客户关系，营销信用卡、储蓄存款和理财产品，年度存款增长{m}万元。",
        "熟悉授信审批流程和信贷风险识别，撰写尽职调查报告。"), (
        "有一次客户的贷款材料不齐，我主动上门帮他整理，最终按时完成放款。",
        "我会定期回访客户，了解他们的经营情况和资金需求。")),
    "理财顾问": (("金融工程", "投资学", "保险学"), (
        "持有AFP金融理财师证书，为高净值客户提供资产配置建议，管理资产{m}百万元。",
        "熟悉基金、保险、信托和贵金属产品，定期组织客户理财沙龙。",
        "在{bank}财富中心工作{n}年，负责客户风险测评和产品适当性管理。"), (
        "我会先了解客户的风险偏好和投资期限，再推荐合适的基金组合，不会只推收益高的产品。",)),
    "软件工程师": (("计算机科学与技术", "软件工程", "电子信息工程"), (
        "{n}年Java后端开发经验，熟悉Spring Boot、MySQL、Redis和Kafka，参与订单系统的设计与开发。",
        "熟悉Linux、Docker和Kubernetes，编写自动化部署脚本，维护持续集成流水线。",
        "负责接口性能优化，通过缓存和索引调整把查询延迟降低百分之{m}。",
        "使用Python和Go开发微服务，熟悉分布式系统和消息队列。"), (
        "那次线上故障我先回滚版本，再查日志定位到数据库连接池耗尽的问题。",)),
    "会计": (("会计学", "财务管理", "审计学"), (
        "在{city}某制造企业从事总账会计{n}年，负责凭证审核、月末结账和财务报表编制。",
        "熟悉增值税和企业所得税申报，熟练使用用友和金蝶财务软件，持有中级会计师证书。",
        "参与年度审计和成本核算，编制预算执行分析报告。"), (
        "月末结账时发现一笔往来款对不上，我逐笔核对银行流水，最后找到了重复入账。",)),
    "销售": (("市场营销", "电子商务", "国际经济与贸易"), (
        "在{city}某快消品公司从事渠道销售{n}年，负责经销商开发和终端陈列，年销售额{m}百万元。",
        "善于挖掘客户需求和谈判成交，多次获得季度销售冠军。",
        "负责大客户拓展和商务谈判，完成年度销售指标的百分之{m}。"), (
        "客户一开始拒绝了我，我就每周去拜访一次，了解他的顾虑，第三个月签了单。",)),
    "客服": (("汉语言文学", "行政管理", "旅游管理"), (
        "在{city}某电商平台担任在线客服{n}年，每天处理咨询和售后工单{m}单以上。",
        "负责客户投诉处理和回访，客户满意度保持在百分之{m}以上。",
        "熟悉呼叫中心系统和工单流程，普通话标准，打字速度每分钟{m}字。"), (
        "遇到情绪激动的客户，我会先倾听，让他把话说完，再给出解决方案。",)),
    "数据分析": (("统计学", "数学与应用数学", "信息管理与信息系统"), (
        "熟练使用SQL、Python和Pandas进行数据清洗和分析，搭建业务指标体系和数据看板。",
        "负责用户行为分析和AB测试，输出分析报告支持产品决策。",
        "熟悉机器学习常用算法，做过用户流失预测和信用评分模型。"), (
        "我先把问题拆成几个指标，用数据验证每个假设，再给业务方提出建议。",)),
}
JOBS = {
    "柜员": ("招聘{bank}综合柜员，负责现金收付、开户、转账汇款等柜面业务，做好尾箱管理和日终轧账。",
             "要求熟悉柜面业务操作规程和反洗钱规定，点钞熟练，能识别假币，持有银行从业资格证者优先。",
             "工作细心，沟通能力强，服务意识好，能够耐心解答客户问题，协助大堂分流客户。"),
    "软件工程师": ("招聘Java后端开发工程师，负责核心系统的设计与开发，参与性能优化和架构改进。",
                   "要求熟悉Spring Boot、MySQL、Redis、Kafka，了解Docker和Kubernetes，逻辑清晰。"),
    "会计": ("招聘总账会计，负责凭证审核、月末结账、财务报表编制和税务申报。",
             "要求持有中级会计师证书，熟悉增值税申报和用友财务软件，专业扎实。"),
    "客服": ("招聘在线客服专员，负责客户咨询、投诉处理和回访，维护客户满意度。",
             "要求普通话标准，打字速度快，有耐心，抗压能力强，有呼叫中心经验优先。"),
    "数据分析": ("招聘数据分析师，负责业务指标体系搭建、用户行为分析和AB测试。",
                 "要求熟练使用SQL和Python，了解机器学习常用算法，能够独立撰写分析报告。"),
    "理财顾问": ("招聘理财经理，负责高净值客户的资产配置和基金保险产品销售，持有AFP证书优先。",),
}
JOB_COMMON = ("我们提供五险一金、带薪年假和完善的培训体系，工作地点在{city}。", "学历要求本科及以上，专业不限。")


def _fill(line: str, rng: random.Random) -> str:
    return line.format(bank=rng.choice(BANKS), city=rng.choice(CITIES), n=rng.randint(1, 9), m=rng.randint(10, 99))


def make_profiles(count: int, seed: int) -> list[tuple[int, str, str, tuple[str, ...], float]]:
    """count (id, family, text, tags, quality) profiles, the same for the same seed."""
    rng, families, rows = random.Random(seed), list(FAMILIES), []
    for i in range(count):
        family = rng.choice(families)
        majors, lines, answers = FAMILIES[family]
        parts = [f"毕业于{rng.choice(SCHOOLS)}{rng.choice(majors)}专业，{rng.choice(EDUCATION)}。"]
        target = rng.randint(80, 300)
        while sum(map(len, parts)) < target:
            pool = lines if rng.random() < 0.6 else answers if rng.random() < 0.7 else COMMON
            parts.append(_fill(rng.choice(pool), rng))
        tags = tuple(rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3))))
        rows.append((i + 1, family, "".join(parts)[:300], tags, round(rng.random(), 3)))
    return rows


def make_queries(count: int, seed: int) -> list[tuple[str, str]]:
    """count (family, job description) pairs of 100-400 characters, cycling through the families."""
    rng, families, queries = random.Random(seed + 1), list(JOBS), []
    for i in range(count):
        family = families[i % len(families)]
        lines = [_fill(line, rng) for line in JOBS[family]] + [_fill(line, rng) for line in JOB_COMMON]
        text = "".join(lines)
        while len(text) < 100 + rng.randint(0, 300):
            text += _fill(rng.choice(JOBS[family] + JOB_COMMON), rng)
        queries.append((family, text[:400]))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--brute", type=int, default=5, help="queries also run through brute_force")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--no-db", action="store_true", help="skip the search through the product's database")
    args = parser.parse_args(argv)

    from bot.talent.index import PoolIndex, profile_terms

    profiles = make_profiles(args.candidates, args.seed)
    queries = make_queries(args.queries, args.seed)
    chars = sum(len(p[2]) for p in profiles) / len(profiles)
    print(f"{len(profiles)} profiles, {chars:.0f} characters on average; {len(queries)} job descriptions; "
          f"{os.cpu_count()} cores")
    profile_terms("预热：加载结巴词典")  # jieba's dictionary loads once per process; not a profile's cost

    start = time.perf_counter()
    vectors = [profile_terms(text) for _, _, text, _, _ in profiles]
    t_terms = time.perf_counter() - start
    family_of = {p[0]: p[1] for p in profiles}
    index = PoolIndex()
    start = time.perf_counter()
    index.build((p[0], v, p[3], p[4]) for p, v in zip(profiles, vectors, strict=True))
    t_build = time.perf_counter() - start
    print(f"profile_terms: {len(profiles) / t_terms:8.0f} profiles/s  ({t_terms:.1f} s)")
    print(f"build:         {t_build:8.2f} s  ({len(index)} candidates)")

    search_ms, results = [], {}
    for _ in range(3):
        for i, (_, text) in enumerate(queries):
            start = time.perf_counter()
            results[i] = index.search(text, limit=20)
            search_ms.append((time.perf_counter() - start) * 1000)
    brute_ms, same = [], True
    for i, (_, text) in enumerate(queries[:args.brute]):
        start = time.perf_counter()
        hits = index.brute_force(text, limit=20)
        brute_ms.append((time.perf_counter() - start) * 1000)
        same &= [h.candidate_id for h in hits] == [h.candidate_id for h in results[i]] and all(
            abs(a.score - b.score) <= 1e-9 for a, b in zip(hits, results[i], strict=True))
    median, brute = statistics.median(search_ms), statistics.median(brute_ms) if brute_ms else float("nan")
    print(f"search (top 20):       median {median:8.1f} ms   p95 {percentile(search_ms, 0.95):8.1f} ms  "
          f"({len(search_ms)} runs)")
    print(f"baseline brute_force:  median {brute:8.1f} ms   p95 {percentile(brute_ms or [brute], 0.95):8.1f} ms  "
          f"({len(brute_ms)} queries, once each)  brute / index = {brute / median:.0f}×")
    print(f"same top 20 (ids, scores within 1e-9) on those {len(brute_ms)} queries: {'yes' if same else 'NO'}")

    rng = random.Random(args.seed + 2)
    extra = make_profiles(100, args.seed + 3)
    start = time.perf_counter()
    targets = rng.sample(range(1, len(profiles) + 1), 100)  # existing ids: replacements, not additions
    for (_, _, text, tags, quality), target in zip(extra, targets, strict=True):
        index.upsert(target, profile_terms(text), tags, quality)
        index.remove(rng.randint(1, len(profiles)))
    t_upsert = time.perf_counter() - start
    start = time.perf_counter()
    index.search(queries[0][1])
    print(f"100 upserts + 100 removals: {t_upsert * 1000:.0f} ms; the next search (merges them): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")

    shares = [sum(family_of[h.candidate_id] in ("柜员", "客户经理") for h in results[i]) / max(1, len(results[i]))
              for i, (family, _) in enumerate(queries) if family == "柜员"]
    print(f"relevance: 柜员/客户经理 share of the top 20 for the 柜员 descriptions: "
          f"{statistics.mean(shares):.0%} (families are 2 of 8)" if shares else "relevance: no 柜员 description")
    met = median < 200
    if not args.no_db:
        product = through_the_product(profiles, vectors, queries)
        print(f"through bot.talent.pool.search (SQLite):  first {product[0]:.0f} ms (loads the index), then median "
              f"{statistics.median(product[1:]):.1f} ms   p95 {percentile(product[1:], 0.95):.1f} ms  "
              f"({len(product) - 1} runs)")
        met &= statistics.median(product[1:]) < 200
    print(f"target median search < 200 ms at {len(profiles):,} candidates: {'PASS' if met else 'FAIL'}")
    return 0 if met and same else 1


def through_the_product(profiles: list, vectors: list[dict[str, float]], queries: list[tuple[str, str]]) -> list:
    """Store the pool in a fresh SQLite database as the product does; time bot.talent.pool.search on it (ms)."""
    import datetime as dt
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="bench-pool-")
    os.environ.update(DATA_DIR=folder, DATABASE_URL=f"sqlite:///{folder}/pool.db")
    from bot.store import schema
    from bot.store.db import database, init_database
    from bot.store.models import Candidate, CandidateTag, PoolProfile, Tag
    from bot.talent import pool as talent
    from config.settings import get_settings

    get_settings.cache_clear()
    schema.upgrade(init_database(get_settings().database_url))
    now = dt.datetime(2026, 1, 1)
    keep = dt.datetime.now() + dt.timedelta(days=365)
    tag_ids = {name: Tag.create(name=name).id for name in sorted({t for p in profiles for t in p[3]})}
    with database.atomic():
        for start in range(0, len(profiles), 2000):
            chunk = list(zip(profiles[start:start + 2000], vectors[start:start + 2000], strict=True))
            Candidate.insert_many([{"id": p[0], "name": f"候选人{p[0]}", "created_at": now, "retain_until": keep,
                                    "withdrawn_at": now if p[0] % 100 == 0 else None} for p, _ in chunk]).execute()
            PoolProfile.insert_many([{"candidate": p[0], "text": p[2], "terms": v, "best_total": p[4] * 100,
                                      "last_position": p[1], "updated_at": now} for p, v in chunk]).execute()
            CandidateTag.insert_many([{"candidate": p[0], "tag": tag_ids[t], "source": "rule", "created_at": now}
                                      for p, _ in chunk for t in p[3]]).execute()
    talent.reset_cache()
    timings = []
    try:
        for _ in range(3):
            for _, text in queries:
                start = time.perf_counter()
                found = talent.search(text, limit=20)
                timings.append((time.perf_counter() - start) * 1000)
                assert all(int(r["candidate"]["id"]) % 100 for r in found), "a withdrawn candidate was found"
    finally:
        database.close()
        shutil.rmtree(folder, ignore_errors=True)
    return timings


if __name__ == "__main__":
    sys.exit(main())
