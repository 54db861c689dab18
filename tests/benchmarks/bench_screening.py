"""Benchmark: reading a candidate sheet and screening its résumés, beside jieba segmentation alone, same run.

    python -m tests.benchmarks.bench_screening [--rows 10000] [--seed 7]

Generates --rows varied synthetic Chinese résumés (300-800 characters; tellers, other bank staff, sales, nurses,
programmers, graduates…) from a seed, writes them with names, phones, e-mails, education, major and years to an
.xlsx, then prints résumés per second for:
  1. read_sheet on that file (bytes → checked rows);
  2. Screener.screen_many against teller.yaml's rules, in this one process;
  3. the baselines, same résumés, same process: jieba's cut alone in its default mode (what a plain jieba pass
     costs) and in full mode (the cut screening uses: the floor of its cost), and a recruiter reading by hand
     (10 per 5 minutes, the seeds' figure).
The target for screening is ≥ 1,000 résumés/s on a 2-core machine. The machine's other load shows in every
line alike; compare the ratios.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time

MANUAL_RATE = 10 / 300  # résumés per second read by a recruiter (the seeds: 10 in 5 minutes)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫浩宇晨欣怡梓涵子轩雨婷佳琪"
SCHOOLS = ("中央财经大学", "西南财经大学", "上海财经大学", "江西财经大学", "山东财经大学", "北京工商大学", "湖南大学",
           "郑州大学", "河北金融学院", "浙江金融职业学院", "广东轻工职业技术学院", "重庆工商大学", "南京审计大学",
           "武汉职业技术学院", "天津商业大学", "哈尔滨商业大学")
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "招商银行", "兴业银行", "浦发银行",
         "农村商业银行", "邮政储蓄银行", "城市商业银行", "农村信用社")
CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "郑州", "长沙", "济南", "合肥")
EDUCATION = ("博士", "硕士研究生", "本科", "全日制本科", "大专", "专科", "高中", "中专", "学士", "Bachelor")
PROFILES = {
    "teller": (("金融学", "会计学", "经济学", "财务管理", "国际经济与贸易", "金融管理"), (
        "曾在{bank}{city}分行营业部实习{n}个月，协助柜员办理开户、存取款、转账汇款等柜面业务。",
        "在{bank}担任综合柜员{n}年，负责现金收付、凭证管理、日终轧账和尾箱管理，全年差错率低于万分之{m}。",
        "熟练掌握手工点钞和机器点钞，点钞速度每分钟{m}张以上，能够准确识别假币。",
        "了解反洗钱法律法规，能够识别可疑交易并按流程报告，参加过{n}次反洗钱专项培训。",
        "取得银行从业资格证书和初级会计职称，普通话二级甲等，熟练使用Excel和各类业务系统。",
        "接待客户咨询，根据客户需求推荐理财产品和信用卡，月均营销理财{m}万元，获评优质服务之星。",
        "在网点大堂协助分流客户，引导客户使用智能柜台和自助设备，耐心解答客户的各类问题。",
        "工作细心耐心，责任心强，有良好的服务意识和沟通能力，能够在业务高峰期保持准确高效。")),
    "bank_other": (("金融工程", "统计学", "保险学", "市场营销", "工商管理"), (
        "在{bank}信贷部门工作{n}年，负责小微企业贷款的贷前调查、授信审批材料整理和贷后检查。",
        "参与个人住房贷款业务办理，审核借款人收入证明和征信报告，累计办理贷款{m}笔。",
        "担任理财经理助理，协助客户完成风险测评，整理基金和保险产品资料，维护高净值客户{m}户。",
        "熟悉银行合规管理要求，参与过内控检查和案防排查工作，撰写检查报告{n}份。")),
    "sales": (("市场营销", "电子商务", "汉语言文学", "旅游管理"), (
        "在{city}某房地产公司从事销售工作{n}年，负责客户接待、带看、谈判和签约，年度业绩排名前{n}。",
        "负责门店日常运营和会员维护，组织节假日促销活动{m}场，门店销售额同比增长百分之{m}。",
        "善于与人沟通，抗压能力强，熟悉客户需求分析和成交技巧，维护老客户关系。",
        "做过电话客服，每天处理客户来电{m}个，记录并跟进客户投诉直到解决。")),
    "nurse": (("护理学", "临床医学", "药学"), (
        "在{city}某三甲医院心内科担任护士{n}年，负责病人日常护理、输液、用药和护理记录。",
        "参与科室护理质量管理，协助护士长完成排班和耗材盘点，获得优秀护士称号{n}次。",
        "持有护士执业资格证书，熟悉急救流程，能够冷静处理突发情况。")),
    "programmer": (("计算机科学与技术", "软件工程", "电子信息工程", "自动化"), (
        "{n}年Java后端开发经验，熟悉Spring Boot、MySQL、Redis和Kafka，参与电商平台订单系统的设计与开发。",
        "负责接口性能优化，通过缓存和索引调整将查询延迟降低百分之{m}，支撑日均{m}万次请求。",
        "熟悉Linux、Docker和Kubernetes，编写过自动化部署脚本，维护持续集成流水线。",
        "使用Python进行数据分析，编写爬虫和报表程序，熟悉Pandas和机器学习基础算法。")),
    "graduate": (("法学", "英语", "新闻学", "行政管理", "金融学", "会计学"), (
        "在校期间担任学生会{role}，组织校园活动{n}场，锻炼了组织协调和沟通能力。",
        "曾在{city}某公司行政部门实习{n}个月，负责文件整理、会议记录和来访接待。",
        "获得国家励志奖学金和校级三好学生称号，英语六级，计算机二级。",
        "参加过{n}次志愿服务活动，在社区服务中心协助老人办理各类事务。")),
}
COMMON = (
    "本人性格开朗，做事认真踏实，有较强的学习能力和团队合作精神。",
    "希望能够在新的岗位上不断学习成长，发挥自己的专长，为单位创造价值。",
    "业余时间喜欢阅读、跑步和摄影，保持良好的生活习惯。",
    "能够适应加班和轮岗安排，服从单位工作分配。",
    "做事有条理，善于总结经验，遇到问题会主动寻求解决办法。",
)
ROLES = ("主席", "副主席", "宣传部长", "学习委员", "干事")


def make_candidates(count: int, seed: int) -> list[list]:
    """count sheet rows (name, phone, e-mail, education, major, years, résumé), the same for the same seed."""
    rng = random.Random(seed)
    kinds = list(PROFILES)
    rows = []
    for i in range(count):
        kind = rng.choices(kinds, weights=(4, 2, 2, 1, 2, 2))[0]
        majors, lines = PROFILES[kind]
        school, major = rng.choice(SCHOOLS), rng.choice(majors)
        education = rng.choice(EDUCATION)
        parts = [f"本人毕业于{school}{major}专业，{education}学历。"]
        target = rng.randint(300, 800)
        while sum(map(len, parts)) < target:
            line = rng.choice(lines if rng.random() < 0.7 else COMMON)
            parts.append(line.format(bank=rng.choice(BANKS), city=rng.choice(CITIES), n=rng.randint(1, 9),
                                     m=rng.randint(10, 99), role=rng.choice(ROLES)))
        resume = "".join(parts)[:800]
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        phone = f"1{rng.choice('3456789')}{i:09d}"
        years = rng.choice(("应届", "1", "2年", "三年", "3-5年", "5年以上", "半年", "0.5", "八年"))
        rows.append([name, phone, f"c{i}@example.com", education, major, years, resume])
    return rows


def write_xlsx(rows: list[list]) -> bytes:
    """The rows under a Chinese header, as .xlsx bytes."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("候选人")
    sheet.append(["姓名", "手机号", "邮箱", "最高学历", "专业", "工作年限", "简历内容"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10000, help="résumés to generate")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    import jieba
    import yaml

    from bot.bulk.screening import Screener
    from bot.bulk.sheets import read_sheet
    from bot.positions.catalog import POSITIONS_DIR, parse_position
    from scoring.text import rubric_reference

    position = parse_position(POSITIONS_DIR / "teller.yaml")
    rules = yaml.safe_load((POSITIONS_DIR / "teller.yaml").read_text("utf-8")).get("screening")
    candidates = make_candidates(args.rows, args.seed)
    data = write_xlsx(candidates)
    resumes = [row[-1] for row in candidates]
    chars = sum(map(len, resumes)) / len(resumes)
    print(f"{args.rows} résumés, {chars:.0f} characters on average; .xlsx {len(data) / 1e6:.1f} MB; "
          f"{os.cpu_count()} cores")

    start = time.perf_counter()
    screener = Screener(rules, position["description"], [rubric_reference(q) for q in position["questions"]])
    setup = time.perf_counter() - start  # jieba's dictionary and IDF table load here, once per process

    start = time.perf_counter()
    sheet = read_sheet(data, "bench.xlsx")
    t_read = time.perf_counter() - start
    assert len(sheet.rows) == args.rows, (len(sheet.rows), sheet.errors[:3])
    fields = [row.fields for row in sheet.rows]

    timings = {}
    for mode, cut in (("default mode", lambda text: jieba.lcut(text)),
                      ("full mode", lambda text: jieba.lcut(text, cut_all=True))):
        start = time.perf_counter()
        for resume in resumes:
            cut(resume.lower())
        timings[mode] = time.perf_counter() - start
    start = time.perf_counter()
    verdicts = screener.screen_many(fields)
    t_screen = time.perf_counter() - start

    rate = args.rows / t_screen
    passed = sum(v.passed for v in verdicts)
    print(f"setup (jieba dictionary, IDF table, job description): {setup:.2f} s")
    print(f"read_sheet (.xlsx → checked rows):   {args.rows / t_read:8.0f} résumés/s  ({t_read:.2f} s)")
    print(f"Screener.screen_many:                 {rate:8.0f} résumés/s  ({t_screen:.2f} s; {passed} passed)")
    for mode, seconds in timings.items():
        print(f"{'baseline: jieba ' + mode + ' cut alone:':38}{args.rows / seconds:8.0f} résumés/s  "
              f"(screening / this = {rate / (args.rows / seconds):.2f})")
    print(f"baseline: by hand (10 per 5 minutes): {MANUAL_RATE:8.3f} résumés/s  (screening / this = "
          f"{rate / MANUAL_RATE:,.0f}×)")
    print(f"target ≥ 1,000 résumés/s: {'met' if rate >= 1000 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
