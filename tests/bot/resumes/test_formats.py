"""Every accepted format, read from its bytes: text in GBK, UTF-16 and UTF-8 with and without a BOM, HTML and MHT
as job sites export them, DOCX tables and two-column layouts, two-page PDFs, a file whose name lies."""
from __future__ import annotations

import datetime as dt
import email.mime.multipart
import email.mime.text
import random

import pytest

from bot.resumes.intake import read_resume
from tests.bot.resumes.generate import make_spec, to_docx, to_pdf, to_text

TODAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def spec():
    return make_spec(random.Random(5), lang="zh", pages=1)


def assert_read(outcome, spec):
    assert outcome.ok, outcome.reason
    resume = outcome.resume
    assert (resume.name.value, resume.phone.value, resume.email.value) == (spec.name, spec.phone, spec.email)
    assert [e.school.value for e in resume.education] == [e["school"] for e in spec.education]
    assert [x.employer.value for x in resume.experience] == [
        j["employer"] for kind in ("work", "internship") for j in spec.work if j["kind"] == kind]
    return resume


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_plain_text_in_every_encoding(spec, encoding):
    data = to_text(spec).replace("•", "·").replace("\n", "\r\n").encode(encoding)
    outcome = read_resume(data, "简历.txt", TODAY)
    assert_read(outcome, spec)
    assert outcome.document.kind == "text"


@pytest.mark.parametrize("declared", [True, False])
def test_html_export_in_gbk(spec, declared):
    rows = "".join(f"<tr><td>{line}</td></tr>" for line in to_text(spec).replace("•", "·").split("\n"))
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' if declared else ""
    page = f"<!DOCTYPE html><html><head>{meta}<style>td{{color:red}}</style><script>var a='x'</script></head>" \
           f"<body><table>{rows}</table></body></html>"
    outcome = read_resume(page.encode("gbk"), "resume.html", TODAY)
    assert_read(outcome, spec)
    assert "color" not in outcome.document.text and "var a" not in outcome.document.text


@pytest.mark.parametrize("charset", ["utf-8", "gb2312"])
def test_mht_saved_page(spec, charset):
    message = email.mime.multipart.MIMEMultipart("related")
    message["Subject"] = "智联招聘简历"
    body = "".join(f"<div><span>{line}</span></div>" for line in to_text(spec).split("\n"))
    part = email.mime.text.MIMEText(f"<html><body>{body}</body></html>", "html", charset if charset != "gb2312"
                                    else "gb18030")
    if charset == "gb2312":
        part.set_param("charset", "gb2312")
    message.attach(part)
    outcome = read_resume(message.as_bytes(), "简历.mht", TODAY)
    assert outcome.document.kind == "mht"
    assert_read(outcome, spec)


@pytest.mark.parametrize("layout", ["plain", "tables", "columns"])
def test_docx_layouts(spec, layout):
    outcome = read_resume(to_docx(spec, layout), "简历.docx", TODAY)
    resume = assert_read(outcome, spec)
    assert [e.degree.value for e in resume.education] == [e["degree"] for e in spec.education]


def test_two_page_pdf_in_two_columns():
    spec = make_spec(random.Random(11), lang="zh", pages=2)
    outcome = read_resume(to_pdf(spec, columns=2), "简历.pdf", TODAY)
    assert outcome.document.pages == 2
    assert_read(outcome, spec)


def test_english_pdf():
    spec = make_spec(random.Random(3), lang="en", pages=1)
    resume = assert_read(read_resume(to_pdf(spec), "cv.pdf", TODAY), spec)
    assert [e.degree.value for e in resume.education] == [e["degree"] for e in spec.education]


def test_a_name_that_lies_is_read_by_its_content_with_a_notice(spec):
    outcome = read_resume(to_docx(spec), "简历.pdf", TODAY)
    assert_read(outcome, spec)
    assert outcome.document.kind == "docx"
    assert outcome.notices == ["文件扩展名是 .pdf，内容却是Word 文档（DOCX），已按实际内容读取。"]


def test_spans_gaps_and_years():
    text = ("李娜\n手机：13912345678  邮箱：lina@example.com\n教育背景\n2012.09-2016.06  武汉大学  会计学  本科\n"
            "工作经历\n2017.03-2019.02  中国银行  综合柜员\n• 现金业务\n2019.03-至今  招商银行  理财经理\n"
            "技能\nExcel、SQL\n证书\n银行从业资格证、CFA 二级、初级会计职称\n语言能力\n英语六级 560、普通话二级甲等\n")
    outcome = read_resume(text.encode(), "a.txt", TODAY)
    resume = outcome.resume
    assert [(g.start, g.end, g.months, g.after, g.before) for g in resume.gaps] == [
        ("2016-06", "2017-03", 9, "武汉大学", "中国银行")]
    assert resume.years_of_experience == round((24 + 94) / 12, 1)  # 2017.03-2019.02, 2019.03-2026.12
    assert [c.value for c in resume.certificates] == ["银行从业资格", "CFA", "初级会计"]
    assert [v.value for v in resume.languages] == ["英语六级 560", "普通话二级甲等"]
    assert [s.value for s in resume.skills] == ["Excel", "SQL"]
    body = outcome.document.text
    for value in (resume.education[0].major, resume.experience[1].title, resume.experience[0].duties):
        assert body[value.start:value.end] == value.value
    assert resume.highest_degree == "本科"


def test_xhtml_with_an_xml_declaration(spec):
    page = '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>' + "".join(
        f"<p>{line}</p>" for line in to_text(spec).split("\n")) + "</body></html>"
    outcome = read_resume(page.encode(), "resume.xhtml", TODAY)
    assert outcome.document.kind == "html"
    assert_read(outcome, spec)
