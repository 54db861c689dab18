"""Realistic résumés written by real writers — PDF by reportlab (Chinese in its STSong-Light CID font), DOCX by
python-docx — with what was written kept beside each file, field by field, so a test can check the parser.

Variety: Chinese and English; one page and two; PDF in one column or two (a sidebar drawn first), DOCX as
paragraphs, with a contact table and an education table, or as a two-column table; three entry layouts (dates
first, dates last, school above its dates) and four date styles; phones written four ways.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import docx
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁欧阳"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉萍红玲芬燕彬鑫浩宇晨欣怡梓涵轩婷佳琪"
EN_FIRST = ("Emily", "Wei", "Jason", "Lily", "Kevin", "Grace", "Michael", "Chloe", "David", "Amy", "Ryan", "Iris")
EN_LAST = ("Zhang", "Wang", "Li", "Chen", "Liu", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Lin")
SCHOOLS = ("北京大学", "中国人民大学", "中央财经大学", "上海财经大学", "西南财经大学", "复旦大学", "武汉大学",
           "南京大学",
           "厦门大学", "浙江大学", "中山大学", "江西财经大学", "南京审计大学", "郑州大学", "湖南大学", "山东财经大学",
           "河北金融学院", "浙江金融职业学院", "重庆工商大学", "天津商业大学")
EN_SCHOOLS = ("Peking University", "Fudan University", "Wuhan University", "Xiamen University",
              "Shanghai University of Finance and Economics", "Renmin University of China", "Zhejiang University",
              "University of International Business and Economics", "Nanjing University", "Sun Yat-sen University")
MAJORS = ("金融学", "会计学", "经济学", "计算机科学与技术", "法学", "市场营销", "统计学", "金融工程", "财务管理")
EN_MAJORS = ("Finance", "Accounting", "Economics", "Computer Science", "Statistics", "Business Administration")
DEGREES = {"本科": ("本科", "全日制本科", "学士"), "硕士": ("硕士研究生", "硕士"), "博士": ("博士",), "大专": ("大专",)}
EN_DEGREES = {"本科": ("B.A. in {m}", "B.S. in {m}", "Bachelor of Science in {m}"),
              "硕士": ("Master of Science in {m}", "M.S. in {m}"), "博士": ("Ph.D. in {m}",)}
EMPLOYERS = ("招商银行", "中国工商银行", "中国建设银行", "中国银行深圳分行", "交通银行", "兴业银行", "平安银行",
             "中信证券股份有限公司", "华为技术有限公司", "德勤华永会计师事务所", "中国平安保险集团", "腾讯科技有限公司",
             "浦发银行上海分行", "农村商业银行", "国泰君安证券")
TITLES = ("客户经理", "综合柜员", "理财经理", "审计助理", "Java开发工程师", "运营专员", "风险管理专员", "对公客户经理")
EN_EMPLOYERS = ("China Merchants Bank", "HSBC", "Goldman Sachs", "Deloitte", "Ping An Insurance", "Tencent",
                "Bank of China", "Standard Chartered Bank", "KPMG", "Citigroup")
EN_TITLES = ("Analyst", "Relationship Manager", "Audit Associate", "Software Engineer", "Operations Specialist")
DUTIES = ("负责对公客户开户、授信材料整理和贷后检查，年度新增存款{n}千万元。",
          "办理现金收付、转账汇款和凭证管理，全年业务差错率低于万分之{n}。",
          "参与零售客户理财产品营销，维护高净值客户{n}十户，客户满意度位列支行前列。",
          "协助完成反洗钱可疑交易排查，撰写检查报告{n}份，参与内控合规检查。",
          "参与核心系统接口开发与性能优化，查询延迟降低百分之{n}十。")
EN_DUTIES = ("Managed a portfolio of {n}0 corporate clients and prepared credit memos.",
             "Built monthly reporting in Excel and SQL; cut preparation time by {n}0%.",
             "Supported anti-money-laundering reviews and wrote {n} audit reports.")
SKILLS = ("Excel", "Python", "SQL", "Word", "PPT", "SPSS", "点钞", "客户沟通", "数据分析")
CERTS = ("银行从业资格", "初级会计", "CFA", "证券从业资格", "基金从业资格", "注册会计师")
EN_CERTS = ("CFA", "FRM", "CPA", "ACCA")
AWARDS = ("国家奖学金", "校级一等奖学金", "优秀毕业生", "全国大学生数学建模竞赛二等奖")


@dataclass
class Spec:
    """What a résumé says (the truth a test checks against) and how it is written."""

    lang: str
    name: str
    phone: str  # 11 digits
    phone_text: str
    email: str
    education: list[dict] = field(default_factory=list)  # school, degree (canonical), degree_text, major, start, end
    work: list[dict] = field(default_factory=list)  # kind, employer, title, start, end, duties
    skills: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)
    awards: list[str] = field(default_factory=list)
    date_style: int = 0
    entry_layout: str = "A"
    pages: int = 1


def make_spec(rng: random.Random, lang: str = "", pages: int = 0) -> Spec:
    lang = lang or ("en" if rng.random() < 0.2 else "zh")
    pages = pages or (2 if rng.random() < 0.3 else 1)
    if lang == "zh":
        surname = rng.choice(("欧阳", *SURNAMES[:-2])) if rng.random() < 0.05 else rng.choice(SURNAMES[:-2])
        name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    else:
        name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    phone = rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
    phone = "1" + phone
    phone_text = rng.choice((phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", f"{phone[:3]} {phone[3:7]} {phone[7:]}",
                             f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"))
    user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
    email = f"{user}{rng.randint(1, 999)}@{rng.choice(('163.com', 'qq.com', 'gmail.com', 'outlook.com', 'sina.com'))}"
    spec = Spec(lang, name, phone, phone_text, email, date_style=rng.randrange(4 if lang == "zh" else 2),
                entry_layout=rng.choice("ABC"), pages=pages)
    year = rng.randint(2008, 2018)
    levels = rng.choice((["本科"], ["本科"], ["本科", "硕士"], ["大专"], ["本科", "硕士", "博士"])) if lang == "zh" \
        else rng.choice((["本科"], ["本科", "硕士"], ["本科", "硕士", "博士"]))
    schools = rng.sample(SCHOOLS if lang == "zh" else EN_SCHOOLS, len(levels))
    for level, school in zip(levels, schools, strict=True):
        length = {"本科": 4, "硕士": rng.choice((2, 3)), "博士": 4, "大专": 3}[level]
        major = rng.choice(MAJORS if lang == "zh" else EN_MAJORS)
        text = rng.choice(DEGREES[level]) if lang == "zh" else rng.choice(EN_DEGREES[level]).format(m=major)
        spec.education.append({"school": school, "degree": level, "degree_text": text, "major": major,
                               "start": (year, 9), "end": (year + length, 6)})
        year += length
    jobs = rng.randint(1, 3) + (2 if pages == 2 else 0)
    when = (year - 1, 7)
    if rng.random() < 0.7:  # an internship in the last summer at school
        spec.work.append(_job(rng, lang, "internship", when, (when[0], 9)))
    start = (year, rng.choice((7, 8))) if rng.random() < 0.8 else (year + 1, rng.randint(1, 12))  # a gap, sometimes
    for n in range(jobs):
        months = rng.randint(8, 40)
        end_index = start[0] * 12 + start[1] - 1 + months
        end = (end_index // 12, end_index % 12 + 1)
        last = n == jobs - 1 and rng.random() < 0.6
        if end > (2026, 11):
            end, last = None, True
        spec.work.append(_job(rng, lang, "work", start, None if last else end))
        if last or end is None:
            break
        nxt = end_index + rng.choice((1, 1, 2, 9))
        start = (nxt // 12, nxt % 12 + 1)
    spec.skills = rng.sample(SKILLS, 3)
    spec.certificates = rng.sample(CERTS if lang == "zh" else EN_CERTS, rng.randint(0, 2))
    spec.awards = rng.sample(AWARDS, rng.randint(0, 2)) if lang == "zh" else []
    return spec


def _job(rng, lang, kind, start, end) -> dict:
    employer = rng.choice(EMPLOYERS if lang == "zh" else EN_EMPLOYERS)
    title = ("实习生" if lang == "zh" else "Intern") if kind == "internship" else rng.choice(
        TITLES if lang == "zh" else EN_TITLES)
    pool = DUTIES if lang == "zh" else EN_DUTIES
    duties = [rng.choice(pool).format(n=rng.randint(2, 9)) for _ in range(rng.randint(1, 3))]
    return {"kind": kind, "employer": employer, "title": title, "start": start, "end": end, "duties": duties}


def date_text(spec: Spec, when: tuple[int, int] | None) -> str:
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    if when is None:
        return ("至今", "至今", "至今", "今")[spec.date_style] if spec.lang == "zh" else "Present"
    year, month = when
    if spec.lang == "en":
        return f"{months[month - 1]} {year}" if spec.date_style == 0 else f"{year}.{month:02d}"
    return (f"{year}.{month:02d}", f"{year}年{month}月", f"{year}/{month:02d}", f"{year}-{month:02d}")[spec.date_style]


def span_text(spec: Spec, start, end) -> str:
    dash = (" - ", "-", " – ", " ~ ")[spec.date_style] if spec.lang == "zh" else " – "
    return f"{date_text(spec, start)}{dash}{date_text(spec, end)}"


def blocks(spec: Spec) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(sidebar, main) as (style, text) lines: style is title | heading | text. One-column layouts join them."""
    zh = spec.lang == "zh"
    side = [("title", spec.name),
            ("text", f"电话：{spec.phone_text}" if zh else f"Phone: {spec.phone_text}"),
            ("text", f"邮箱：{spec.email}" if zh else f"Email: {spec.email}")]
    side += [("heading", "专业技能" if zh else "Skills"), ("text", ("、" if zh else ", ").join(spec.skills))]
    if spec.certificates:
        side += [("heading", "资格证书" if zh else "Certifications"),
                 ("text", ("、" if zh else ", ").join(spec.certificates))]
    main = [("heading", "教育背景" if zh else "Education")]
    for e in spec.education:
        dates = span_text(spec, e["start"], e["end"])
        if spec.entry_layout == "A":
            main.append(("text", f"{dates}  {e['school']}  {e['major']}  {e['degree_text']}" if zh
                         else f"{dates}  {e['school']}  {e['degree_text']}"))
        elif spec.entry_layout == "B":
            main.append(("text", f"{e['school']} | {e['major']} | {e['degree_text']} | {dates}" if zh
                         else f"{e['school']} | {e['degree_text']} | {dates}"))
        else:
            main += [("text", e["school"]), ("text", dates),
                     ("text", f"{e['major']}  {e['degree_text']}" if zh else e["degree_text"])]
    for kind, heading, en in (("work", "工作经历", "Work Experience"), ("internship", "实习经历", "Internships")):
        jobs = [j for j in spec.work if j["kind"] == kind]
        if not jobs:
            continue
        main.append(("heading", heading if zh else en))
        for j in jobs:
            dates = span_text(spec, j["start"], j["end"])
            if spec.entry_layout == "C":
                main += [("text", f"{j['employer']}  {j['title']}"), ("text", dates)]
            elif spec.entry_layout == "B":
                main.append(("text", f"{j['employer']} | {j['title']} | {dates}"))
            else:
                main.append(("text", f"{dates}  {j['employer']}  {j['title']}"))
            main += [("text", "• " + d) for d in j["duties"]]
    if spec.awards:
        main += [("heading", "获奖情况"), *[("text", a) for a in spec.awards]]
    main += [("heading", "自我评价" if zh else "Summary"),
             ("text", "工作认真细致，责任心强，善于沟通，能够承受较大的工作压力。" if zh
              else "Detail-oriented, calm under pressure, and good with clients.")]
    return side, main


def to_pdf(spec: Spec, columns: int = 1) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    side, main = blocks(spec)
    width, height = A4
    padding = 18 if spec.pages == 1 else 44  # a two-page résumé is written loosely, as they are

    def column(lines, x, wide, y):
        for style, text in lines:
            size = {"title": 18, "heading": 13, "text": 10}[style]
            fits = pdfmetrics.stringWidth(text, FONT, size) <= wide
            for piece in [text] if fits else simpleSplit(text, FONT, size, wide):
                if y < 50:
                    pdf.showPage()
                    y = height - 50
                pdf.setFont(FONT, size)
                pdf.drawString(x, y, piece)
                y -= size + 6 + (padding if style == "heading" else 0)
        return y

    if columns == 2:
        column(side, 40, 150, height - 50)
        column(main, 210, 340, height - 50)
    else:
        column(side + main, 50, 490, height - 50)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def to_docx(spec: Spec, layout: str = "plain") -> bytes:
    """plain paragraphs; "tables": the contacts and the education as tables; "columns": a two-cell table."""
    document = docx.Document()
    side, main = blocks(spec)
    zh = spec.lang == "zh"
    if layout == "columns":
        table = document.add_table(rows=1, cols=2)
        for cell, lines in zip(table.rows[0].cells, (side, main), strict=True):
            cell.paragraphs[0].text = lines[0][1]
            for _, text in lines[1:]:
                cell.add_paragraph(text)
    elif layout == "tables":
        document.add_heading(spec.name, level=0)
        contact = document.add_table(rows=1, cols=4)
        labels = ("电话", "邮箱") if zh else ("Phone", "Email")
        for cell, text in zip(contact.rows[0].cells, (labels[0], spec.phone_text, labels[1], spec.email),
                              strict=True):
            cell.text = text
        document.add_paragraph(side[3][1])  # the skills heading and list, as in the sidebar
        document.add_paragraph(side[4][1])
        for _, text in side[5:]:
            document.add_paragraph(text)
        document.add_paragraph("教育背景" if zh else "Education")
        rows = document.add_table(rows=1, cols=4)
        for cell, text in zip(rows.rows[0].cells, ("时间", "学校", "专业", "学历") if zh
                              else ("Dates", "School", "Major", "Degree"), strict=True):
            cell.text = text
        for e in spec.education:
            cells = rows.add_row().cells
            values = (span_text(spec, e["start"], e["end"]), e["school"], e["major"],
                      e["degree_text"] if zh else e["degree_text"].split(" in ")[0])
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
        skip = True
        for style, text in main:
            if style == "heading" and text not in ("教育背景", "Education"):
                skip = False
            if not skip:
                document.add_paragraph(text)
    else:
        for style, text in side + main:
            if style == "title":
                document.add_heading(text, level=0)
            elif style == "heading":
                document.add_heading(text, level=1)
            else:
                document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_text(spec: Spec) -> str:
    side, main = blocks(spec)
    return "\n".join(text for _, text in side + main)


def corpus(count: int, seed: int = 18) -> list[tuple[Spec, str, bytes]]:
    """count résumés: (spec, file name, bytes), PDF and DOCX in every layout."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        spec = make_spec(rng)
        kind = n % 5
        if kind == 0:
            out.append((spec, f"{n}.pdf", to_pdf(spec)))
        elif kind == 1:
            out.append((spec, f"{n}.pdf", to_pdf(spec, columns=2)))
        else:
            layout = ("plain", "tables", "columns")[kind - 2]
            out.append((spec, f"{n}-{layout}.docx", to_docx(spec, layout)))
    return out
