"""bot.talent.index: profile vectors, ranked search with tags, quality and exclusions, incremental changes, and the
matrix search agreeing with the plain scan."""
from __future__ import annotations

import math
import random
import threading

import pytest

from bot.talent.index import TAG_WEIGHT, Hit, PoolIndex, profile_terms
from tests.benchmarks.bench_pool import make_profiles, make_queries

TELLER_JD = ("招聘综合柜员，负责现金收付、开户、转账汇款等柜面业务，做好尾箱管理和日终轧账。要求熟悉反洗钱规定，"
             "点钞熟练，能识别假币，持有银行从业资格证者优先，沟通能力强。")
PROFILES = {
    1: ("在工商银行担任综合柜员三年，负责现金收付、开户和转账汇款，尾箱管理零差错，熟悉反洗钱规定。",
        ("稳定性好",), 0.6),
    2: ("建设银行柜员，点钞熟练，能够识别假币，日终轧账准确，服务意识好。", ("沟通能力强", "高潜"), 0.4),
    3: ("五年Java后端开发经验，熟悉Spring Boot、MySQL和Redis，负责订单系统的设计与开发。", ("逻辑清晰", "高潜"), 0.9),
    4: ("Python数据分析，熟练使用SQL和Pandas，负责用户行为分析和AB测试。", ("逻辑清晰",), 0.8),
    5: ("电商平台在线客服两年，处理客户投诉和售后工单，普通话标准。", ("沟通能力强",), 0.5),
}


def build(profiles: dict = PROFILES) -> PoolIndex:
    index = PoolIndex()
    index.build((cid, profile_terms(text), tags, quality) for cid, (text, tags, quality) in profiles.items())
    return index


def ids(hits: list[Hit]) -> list[int]:
    return [hit.candidate_id for hit in hits]


def assert_same(a: list[Hit], b: list[Hit]) -> None:
    assert ids(a) == ids(b)
    for x, y in zip(a, b, strict=True):
        assert abs(x.score - y.score) <= 1e-9
        assert x.matched == y.matched


def test_profile_terms_are_normalised_deterministic_content_words():
    text = "我在中国建设银行做柜员，熟悉Java和Python！！！2023年，的了吗 😀 SQL"
    terms = profile_terms(text)
    assert math.isclose(sum(w * w for w in terms.values()), 1.0)
    assert terms == profile_terms(text) and list(terms) == list(profile_terms(text))
    assert {"柜员", "建设银行", "java", "python", "sql"} <= set(terms)
    assert not {"的", "了", "吗", "！", "2023", "😀", "我"} & set(terms)
    assert all(w > 0 for w in terms.values())
    assert profile_terms("") == profile_terms("   ") == profile_terms("，。！？…") == profile_terms("的了吗") == {}


def test_teller_description_ranks_tellers_above_programmers():
    hits = build().search(TELLER_JD)
    assert ids(hits)[:2] == [1, 2] or ids(hits)[:2] == [2, 1]
    assert 3 not in ids(hits) or ids(hits).index(3) > 1
    assert hits == sorted(hits, key=lambda h: (-h.score, h.candidate_id))
    assert all(0 < len(h.matched) <= 5 for h in hits)
    assert "柜员" in hits[0].matched


def test_tags_must_all_be_present():
    index = build()
    assert set(ids(index.search("熟悉 开发 分析 银行 客户", tags=["高潜"]))) <= {2, 3}
    assert ids(index.search("Java 开发", tags=["高潜", "逻辑清晰"])) == [3]
    assert index.search("Java 开发", tags=["高潜", "沟通能力强"]) == []
    assert index.search("Java 开发", tags=["没有这个标签"]) == []
    assert ids(index.search("Java", tags=[" 高潜 "])) == [3]  # tags are trimmed


def test_query_naming_a_tag_finds_candidates_tagged_so():
    index = build()
    hits = index.search("沟通能力强")
    assert set(ids(hits)) == {2, 5}
    assert all("沟通能力强" in h.matched for h in hits)
    assert ids(index.search({"高潜": 1.0})) == [3, 2]  # a term dict matches a tag by its key; quality decides
    with_tag = index.search(TELLER_JD)
    assert "沟通能力强" in next(h for h in with_tag if h.candidate_id == 2).matched


def test_score_blends_cosine_and_quality():
    text = "银行柜员，负责现金收付和开户。"
    index = PoolIndex()
    index.build([(cid, profile_terms(text), (), quality) for cid, quality in ((7, 0.2), (3, 0.9), (5, 0.2))])
    hits = index.search(text, quality_weight=0.15)
    assert ids(hits) == [3, 5, 7]  # same text: quality first, then the smaller id
    assert math.isclose(hits[0].score, 0.85 + 0.15 * 0.9) and math.isclose(hits[1].score, 0.85 + 0.15 * 0.2)
    assert ids(index.search(text, quality_weight=0)) == [3, 5, 7] and len({h.score for h in
                                                                          index.search(text, quality_weight=0)}) == 1
    assert [h.score for h in index.search(text, quality_weight=1)] == [0.9, 0.2, 0.2]
    assert len(index.search(text, quality_weight=float("nan"))) == 3


def test_blank_query_with_tags_ranks_everyone_tagged_by_quality():
    index = build()
    hits = index.search("", tags=["逻辑清晰"])
    assert ids(hits) == [3, 4] and all(h.matched == () for h in hits)
    assert math.isclose(hits[0].score, 0.15 * 0.9)
    assert ids(index.search("，。！", tags=["沟通能力强"])) == [5, 2]
    assert index.search("") == index.search("   ") == index.search({}) == []


def test_exclude_and_limit():
    index = build()
    everyone = ids(index.search("银行 柜员 客户 开发 分析 熟悉", limit=100))
    assert ids(index.search("银行 柜员 客户 开发 分析 熟悉", exclude={everyone[0]})) == everyone[1:]
    assert index.search(TELLER_JD, exclude=list(PROFILES)) == []
    assert index.search(TELLER_JD, exclude=[999, -1]) == index.search(TELLER_JD)
    assert index.search(TELLER_JD, limit=0) == index.search(TELLER_JD, limit=-5) == []
    assert len(index.search(TELLER_JD, limit=1)) == 1
    assert index.search(TELLER_JD, limit=10**9) == index.search(TELLER_JD, limit=len(PROFILES))


def test_upsert_replace_and_remove():
    index = build()
    assert len(index) == 5
    index.upsert(3, profile_terms("农业银行综合柜员，负责现金收付和尾箱管理。"), ["稳定性好"], 0.3)
    index.upsert(9, profile_terms("擅长量化交易和期权定价的研究员"), [], 0.5)
    assert len(index) == 6
    assert 3 in ids(index.search(TELLER_JD)) and 3 not in ids(index.search("Java Spring"))
    assert ids(index.search("期权定价")) == [9]
    assert ids(index.search("", tags=["稳定性好"])) == [1, 3]
    index.remove(1)
    index.remove(12345)  # unknown: nothing happens
    assert len(index) == 5 and 1 not in ids(index.search(TELLER_JD, limit=50))
    index.upsert(1, profile_terms("护士，三甲医院心内科"), (), 0.0)
    assert 1 not in ids(index.search(TELLER_JD)) and ids(index.search("心内科护士")) == [1]
    index.build([(42, profile_terms("会计，月末结账"), [], 0.1)])
    assert len(index) == 1 and index.search(TELLER_JD) == [] and ids(index.search("月末结账")) == [42]


def test_search_agrees_with_brute_force_on_random_pools():
    rng = random.Random(5)
    rows = make_profiles(300, seed=3)
    queries = [text for _, text in make_queries(8, seed=3)] + ["柜员", "Java", "沟通能力强", "高潜 客户"]
    index = PoolIndex()
    index.build((cid, profile_terms(text), tags, quality) for cid, _, text, tags, quality in rows)
    for round_ in range(3):
        for query in queries:
            kwargs = {"tags": rng.sample(["沟通能力强", "逻辑清晰", "高潜", "稳定性好"], rng.choice((0, 0, 1, 2))),
                      "limit": rng.choice((1, 5, 20, 400)), "exclude": set(rng.sample(range(1, 301), 30)),
                      "quality_weight": rng.choice((0.0, 0.15, 0.5))}
            assert_same(index.search(query, **kwargs), index.brute_force(query, **kwargs))
            assert_same(index.search("", **kwargs), index.brute_force("", **kwargs))
        for _, _, text, tags, quality in make_profiles(20, seed=10 + round_):
            index.upsert(rng.randint(1, 330), profile_terms(text), tags, quality)
            index.remove(rng.randint(1, 330))


def test_dead_rows_are_compacted():
    rng = random.Random(1)
    words = [f"w{i}" for i in range(300)]
    index = PoolIndex()
    index.build((i, {w: rng.random() for w in rng.sample(words, 8)}, ["a"] if i % 2 else [], rng.random())
                for i in range(4000))
    for i in range(0, 4000, 2):
        index.remove(i)
    index.upsert(5001, {"w1": 1.0, "new": 0.5}, ["a"], 0.5)
    query = {w: 1.0 for w in words[:20]}
    assert_same(index.search(query, limit=50), index.brute_force(query, limit=50))
    assert len(index) == 2001 and all(h.candidate_id % 2 for h in index.search(query, limit=5000))
    assert ids(index.search("", tags=["a"], limit=3000)).count(5001) == 1
    assert len(index._snap.ids) == 2001  # the 2,000 dead rows are gone from the matrices, not just masked
    assert ids(index.search({"new": 1.0})) == [5001]


@pytest.mark.parametrize("query", ["", "  ", "！？。，、……", "😀🎉👍" * 50, "柜员" * 10_000, "銀行櫃員 ATM",
                                   "x" * 20_000, "\x00\n\t", "a" * 100 + "柜员", "xyzzy 未知的词"])
def test_hostile_queries_do_not_raise(query):
    index = build()
    assert_same(index.search(query, tags=["高潜"]), index.brute_force(query, tags=["高潜"]))
    assert_same(index.search(query), index.brute_force(query))
    assert PoolIndex().search(query) == PoolIndex().brute_force(query) == []


def test_odd_inputs():
    index = build()
    assert index.search({"柜员": float("nan"), "开发": -1.0, "假币": float("inf")}) == []
    assert ids(index.search({"假币": 2.0, "没有": 0.0})) == [2]
    assert index.search(None) == []  # type: ignore[arg-type]
    assert ids(index.search("Java", tags="高潜")) == [3]  # one tag given as a string
    empty = PoolIndex()
    assert len(empty) == 0 and empty.search("", tags=["高潜"]) == [] and empty.brute_force(TELLER_JD) == []
    empty.upsert(1, {}, ["高潜"], float("nan"))
    assert empty.search("", tags=["高潜"]) == [Hit(1, 0.0, ())] and empty.search("柜员") == []


def test_tag_weight_is_documented_fixed_share():
    index = PoolIndex()
    index.build([(1, {"word": 1.0}, ["tag"], 0.0)])
    (hit,) = index.search({"tag": 1.0}, quality_weight=0)
    assert math.isclose(hit.score, TAG_WEIGHT / math.sqrt(1 + TAG_WEIGHT ** 2))
    index.build([(1, {"java": 1.0}, ["Java"], 0.0), (2, {"java": 0.6, "go": 0.8}, [], 0.0)])  # tag = a word: summed
    hits = index.search({"java": 1.0}, quality_weight=0)
    assert ids(hits) == [1, 2] and math.isclose(hits[0].score, 1.0) and math.isclose(hits[1].score, 0.6)


def test_readers_and_a_writer_at_once():
    index = build()
    errors: list[BaseException] = []

    def write():
        for i in range(200):
            index.upsert(100 + i, profile_terms(f"柜员 现金收付 第{i}号"), ["高潜"] if i % 2 else [], i / 200)
            if i % 3 == 0:
                index.remove(100 + i // 2)

    def read():
        try:
            for _ in range(100):
                index.search(TELLER_JD, tags=["高潜"])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=write)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert_same(index.search(TELLER_JD, limit=300), index.brute_force(TELLER_JD, limit=300))
