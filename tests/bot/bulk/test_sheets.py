"""bot.bulk.sheets: real .xlsx files written by openpyxl and CSVs in the encodings Excel and WPS save, in tmp_path."""
from __future__ import annotations

import csv
import io
import random
import time
import zipfile

import openpyxl
import pytest

from bot.bulk.sheets import (
    MAX_BYTES,
    MAX_ROWS,
    Row,
    RowError,
    SheetError,
    check_id_number,
    match_headers,
    normalise_education,
    parse_years,
    read_sheet,
)

VALID_ID = "11010519491231002X"  # the standard's example: check digit X


def id_with_check(first17: str) -> str:
    """An ID number with its GB 11643 check digit, computed here independently of bot.bulk.sheets."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def write_xlsx(tmp_path, rows: list[list], name: str = "candidates.xlsx", blank_sheet_first: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if blank_sheet_first:
        sheet.title = "说明"
        sheet = workbook.create_sheet("名单")
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path.read_bytes()


def write_csv(tmp_path, rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    path = tmp_path / "candidates.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path.read_bytes()


def test_xlsx_with_chinese_headers_reads_and_cleans_every_field(tmp_path):
    data = write_xlsx(tmp_path, [
        ["姓名", "手机号码", "电子邮箱", "企业微信ID", "微信号", "身份证号", "最高学历", "所学专业", "工作年限",
         "自我介绍", "备注"],
        ["张三", "+86 138-0013-8000", "ZhangSan@Example.com", "zhangsan", "zs_wx", VALID_ID.lower(), "硕士研究生",
         "金融学", "3年", "三年柜员经验，熟悉点钞。", "内推"],
        ["李四", 13900139000, None, None, None, None, "大学本科", None, 5, None, None],
    ])
    sheet = read_sheet(data, "candidates.xlsx")
    assert sheet.errors == []
    assert sheet.rows == [
        Row(2, {"name": "张三", "phone": "13800138000", "email": "zhangsan@example.com", "wecom_userid": "zhangsan",
                "wechat": "zs_wx", "id_number": VALID_ID, "education": "硕士", "major": "金融学", "years": 3.0,
                "resume": "三年柜员经验，熟悉点钞。"}),
        Row(3, {"name": "李四", "phone": "13900139000", "education": "本科", "years": 5.0}),
    ]
    assert sheet.columns == {"name": "姓名", "phone": "手机号码", "email": "电子邮箱", "wecom_userid": "企业微信ID",
                             "wechat": "微信号", "id_number": "身份证号", "education": "最高学历", "major": "所学专业",
                             "years": "工作年限", "resume": "自我介绍"}
    assert sheet.ignored_columns == ["备注"]


def test_english_headers_ignore_case_spaces_and_punctuation(tmp_path):
    data = write_csv(tmp_path, [
        ["Full Name", " E-Mail ", "MOBILE", "WeCom", "WeChat", "ID Number", "Degree", "Major", "Years", "CV", "Notes"],
        ["Wang Wu", "wang@example.com", "13700137000", "wangwu", "", "", "Bachelor of Arts", "Accounting", "2.5",
         "Bank teller intern.", ""],
    ])
    sheet = read_sheet(data, "candidates.csv")
    assert list(sheet.columns) == ["name", "phone", "email", "wecom_userid", "wechat", "id_number", "education",
                                   "major", "years", "resume"]
    assert sheet.ignored_columns == ["Notes"]
    assert sheet.rows[0].fields["education"] == "本科"
    assert sheet.rows[0].fields["years"] == 2.5


@pytest.mark.parametrize("header, field", [
    ("姓名", "name"), ("名字", "name"), ("候选人", "name"), ("name", "name"), ("Full Name", "name"),
    ("*姓名（必填）", "name"), ("候选人姓名", "name"),
    ("手机", "phone"), ("手机号", "phone"), ("电话", "phone"), ("联系电话", "phone"), ("Mobile", "phone"),
    ("phone", "phone"), ("候选人手机号", "phone"),
    ("邮箱", "email"), ("电子邮件", "email"), ("Email", "email"), ("e-mail", "email"),
    ("企业微信", "wecom_userid"), ("企业微信ID", "wecom_userid"), ("UserID", "wecom_userid"), ("wecom", "wecom_userid"),
    ("微信", "wechat"), ("微信号", "wechat"), ("WeChat", "wechat"),
    ("身份证", "id_number"), ("身份证号", "id_number"), ("ID", "id_number"), ("id number", "id_number"),
    ("学历", "education"), ("最高学历", "education"), ("Education", "education"), ("degree", "education"),
    ("专业", "major"), ("Major", "major"),
    ("工作年限", "years"), ("工作经验", "years"), ("经验年限", "years"), ("years", "years"), ("Experience", "years"),
    ("简历", "resume"), ("简历内容", "resume"), ("自我介绍", "resume"), ("Resume", "resume"), ("CV", "resume"),
    ("summary", "resume"),
])
def test_header_synonyms(header, field):
    assert match_headers([header]) == {0: field}


def test_wecom_is_not_taken_for_wechat_and_the_first_of_two_columns_wins():
    assert match_headers(["企业微信", "微信"]) == {0: "wecom_userid", 1: "wechat"}
    assert match_headers(["手机", "电话", "学号"]) == {0: "phone"}


def test_a_title_row_above_the_header_and_excel_row_numbers(tmp_path):
    data = write_xlsx(tmp_path, [
        ["2025 春季校园招聘候选人名单"],
        [],
        ["姓名", "手机号"],
        ["张三", "13800138000"],
        [],
        [None, "  "],
        ["李四", "13800138001"],
    ])
    sheet = read_sheet(data, "名单.xlsx")
    assert [row.row_no for row in sheet.rows] == [4, 7]
    assert sheet.errors == []


def test_the_list_may_be_on_a_later_worksheet(tmp_path):
    data = write_xlsx(tmp_path, [["姓名", "邮箱"], ["张三", "a@example.com"]], blank_sheet_first=True)
    assert read_sheet(data, "x.xlsx").rows == [Row(2, {"name": "张三", "email": "a@example.com"})]


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","), ("utf-8", "\t"), ("gbk", "\t"),
    ("utf-16", "\t"),  # Excel's "Unicode text"
])
def test_csv_encodings_and_separators(tmp_path, encoding, delimiter):
    data = write_csv(tmp_path, [["姓名", "手机号", "简历"], ["张三", "138 0013 8000", "熟悉点钞，做过柜员，责任心强"]],
                     encoding, delimiter)
    sheet = read_sheet(data, "名单.csv")
    assert sheet.rows == [Row(2, {"name": "张三", "phone": "13800138000", "resume": "熟悉点钞，做过柜员，责任心强"})]
    assert sheet.columns == {"name": "姓名", "phone": "手机号", "resume": "简历"}


def test_type_comes_from_the_content_not_the_name(tmp_path):
    xlsx = write_xlsx(tmp_path, [["姓名", "手机"], ["张三", "13800138000"]])
    csv_bytes = write_csv(tmp_path, [["姓名", "手机"], ["张三", "13800138000"]])
    assert read_sheet(xlsx, "名单.csv").rows == read_sheet(csv_bytes, "名单.xlsx").rows


def test_missing_required_columns_name_what_is_missing_and_what_was_found(tmp_path):
    with pytest.raises(SheetError) as no_name:
        read_sheet(write_csv(tmp_path, [["手机号", "学历"], ["13800138000", "本科"]]), "a.csv")
    assert str(no_name.value) == "表格缺少必需的列：姓名。找到的表头：手机号、学历"
    with pytest.raises(SheetError) as no_contact:
        read_sheet(write_xlsx(tmp_path, [["姓名", "学历", "专业"], ["张三", "本科", "金融"]]), "a.xlsx")
    assert str(no_contact.value) == ("表格缺少必需的列：至少一种联系方式（手机号、邮箱、企业微信或微信）。"
                                     "找到的表头：姓名、学历、专业")


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(SheetError, match="是空的"):
        read_sheet(b"", "a.csv")
    with pytest.raises(SheetError, match="没有任何内容"):
        read_sheet(b"\r\n,,\r\n\r\n", "a.csv")
    with pytest.raises(SheetError, match="没有任何内容"):
        read_sheet(write_xlsx(tmp_path, []), "a.xlsx")
    with pytest.raises(SheetError) as header_only:
        read_sheet(write_xlsx(tmp_path, [["姓名", "手机号"], [], [None, None]]), "名单.xlsx")
    assert str(header_only.value) == "名单.xlsx 只有表头，没有候选人数据"
    with pytest.raises(SheetError, match="只有表头"):
        read_sheet("姓名,手机号\n".encode(), "a.csv")


@pytest.mark.parametrize("data, says", [
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "这是一张图片"),
    (b"\xff\xd8\xff\xe0" + bytes(200), "这是一张图片"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "旧版 Excel (.xls)"),
    (b"%PDF-1.7\n" + bytes(100), "PDF"),
    (random.Random(0).randbytes(4096), "无法识别"),
    (b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>", "网页"),
])
def test_files_that_are_not_sheets_are_refused_with_what_to_do(data, says):
    with pytest.raises(SheetError) as refused:
        read_sheet(data, "名单.xls")
    assert says in str(refused.value)
    assert "另存为" in str(refused.value)


def test_a_zip_that_is_not_a_workbook_and_a_damaged_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SheetError, match="不是 Excel 表格"):
        read_sheet(buffer.getvalue(), "a.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml at all")
    with pytest.raises(SheetError, match="已损坏"):
        read_sheet(buffer.getvalue(), "a.xlsx")
    with pytest.raises(SheetError, match="损坏"):
        read_sheet(write_xlsx(tmp_path, [["姓名", "手机"]])[:300], "a.xlsx")


def test_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            zeros = bytes(1024 * 1024)
            for _ in range(210):
                member.write(zeros)
    data = path.read_bytes()
    assert len(data) < 1024 * 1024
    with pytest.raises(SheetError, match="解压后过大"):
        read_sheet(data, "bomb.xlsx")


def test_files_over_wecoms_limit_are_refused():
    with pytest.raises(SheetError, match="超过 20 MB"):
        read_sheet(b"a" * (MAX_BYTES + 1), "big.csv")


def test_duplicates_name_the_earlier_row(tmp_path):
    data = write_csv(tmp_path, [
        ["姓名", "手机号", "邮箱", "身份证号"],
        ["张三", "13800138000", "a@example.com", VALID_ID],
        ["张三", "138-0013-8000", "A@example.com", ""],
        ["李四", "13900139000", "b@example.com", VALID_ID],
        ["王五", "1390013900", "c@example.com", ""],   # invalid, so not a row later ones can duplicate
        ["赵六", "1390013900", "d@example.com", ""],
    ])
    sheet = read_sheet(data, "a.csv")
    assert [row.row_no for row in sheet.rows] == [2]
    assert sheet.errors == [
        RowError(3, ("与第 2 行重复（手机号、邮箱）",)),
        RowError(4, ("与第 2 行重复（身份证号）",)),
        RowError(5, ("手机号 1390013900 不是 11 位",)),
        RowError(6, ("手机号 1390013900 不是 11 位",)),
    ]


def test_a_bad_row_lists_all_its_reasons_and_good_rows_are_kept(tmp_path):
    data = write_xlsx(tmp_path, [
        ["姓名", "手机号", "邮箱", "身份证号", "工作年限"],
        [None, "1380013800", "foo@bar", "110105194912310021", "-2"],
        ["钱七", None, None, None, None],
        ["孙八", "13800138000", None, None, "五年以上"],
    ])
    sheet = read_sheet(data, "a.xlsx")
    assert sheet.rows == [Row(4, {"name": "孙八", "phone": "13800138000", "years": 5.0})]
    assert sheet.errors == [
        RowError(2, ("姓名为空", "手机号 1380013800 不是 11 位", "邮箱 foo@bar 格式不正确",
                     "身份证号 1101**********0021 校验位不正确", "工作年限 -2 不能为负数")),
        RowError(3, ("没有联系方式（手机号、邮箱、企业微信、微信至少填一项）",)),
    ]


def test_values_longer_than_the_database_keeps_are_rejected(tmp_path):
    data = write_csv(tmp_path, [["姓名", "企业微信"], ["张" * 65, "u" * 65]])
    reasons = ("姓名超过 64 个字符", "企业微信超过 64 个字符")
    assert read_sheet(data, "a.csv").errors == [RowError(2, reasons)]


@pytest.mark.parametrize("raw, phone", [
    ("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000"),
    ("0086 13800138000", "13800138000"), ("8613800138000", "13800138000"), ("（138）00138000", "13800138000"),
])
def test_phone_forms_accepted(tmp_path, raw, phone):
    sheet = read_sheet(write_csv(tmp_path, [["姓名", "手机"], ["张三", raw]]), "a.csv")
    assert sheet.rows[0].fields["phone"] == phone


@pytest.mark.parametrize("raw, reason", [
    ("1380013800", "手机号 1380013800 不是 11 位"),
    ("138001380001", "手机号 138001380001 不是 11 位"),
    ("12800138000", "手机号 12800138000 不是有效的中国大陆手机号"),
    ("010-66668888", "手机号 010-66668888 不是有效的中国大陆手机号"),
    ("010-6666888", "手机号 010-6666888 不是 11 位"),
    ("138abc38000", "手机号 138abc38000 含有数字以外的字符"),
])
def test_phone_problems(tmp_path, raw, reason):
    sheet = read_sheet(write_csv(tmp_path, [["姓名", "手机"], ["张三", raw]]), "a.csv")
    assert sheet.errors == [RowError(2, (reason,))]


@pytest.mark.parametrize("email, ok", [
    ("a.b+tag@example.com.cn", True), ("x@qq.com", True), ("foo@bar", False), ("foo.example.com", False),
    ("a@b@c.com", False), ("张三@example.com", False),
])
def test_email_format(tmp_path, email, ok):
    sheet = read_sheet(write_csv(tmp_path, [["姓名", "邮箱"], ["张三", email]]), "a.csv")
    assert bool(sheet.rows) is ok
    if not ok:
        assert sheet.errors[0].reasons == (f"邮箱 {email} 格式不正确",)


def test_id_numbers_valid_and_invalid_checksums():
    for first17 in ("44030419900101123", "32010219851231002", "51010720000229001"):
        number = id_with_check(first17)
        assert check_id_number(number) == (number, None)
        wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert check_id_number(wrong) == ("", f"身份证号 {wrong[:4]}**********{wrong[-4:]} 校验位不正确")
    assert check_id_number(" 11010519491231002x ") == (VALID_ID, None)
    assert check_id_number("110105491231002") == ("", "身份证号 1101*******1002 是 15 位旧号码，请提供 18 位身份证号")
    assert check_id_number("1101051949123100") == ("", "身份证号 1101********3100 不是 18 位")
    assert check_id_number("11010519491331002X")[1] == "身份证号 1101**********002X 的出生日期无效"
    assert check_id_number("1101051949123100A2")[1] == "身份证号 1101**********00A2 含有无效字符"


def test_an_id_number_excel_stored_as_a_number_is_explained(tmp_path):
    data = write_xlsx(tmp_path, [["姓名", "手机", "身份证号"], ["张三", "13800138000", 440304199001011234]])
    reasons = read_sheet(data, "a.xlsx").errors[0].reasons
    assert len(reasons) == 1 and reasons[0].startswith("身份证号 4403**********")  # the last digits are gone
    assert reasons[0].endswith(" 被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”后重新填写")


@pytest.mark.parametrize("text, years", [
    ("3", 3.0), ("3年", 3.0), ("三年", 3.0), ("3.5", 3.5), ("5年以上", 5.0), ("3-5年", 3.0), ("一年半", 1.5),
    ("两年", 2.0), ("十二年", 12.0), ("半年", 0.5), ("6个月", 0.5), ("18 months", 1.5), ("3 years", 3.0),
    ("10+", 10.0), ("应届", 0.0), ("无", 0.0), ("0", 0.0), ("３年", 3.0),
])
def test_years_phrasings(text, years):
    assert parse_years(text) == (years, None)


@pytest.mark.parametrize("text, reason", [
    ("-1", "工作年限 -1 不能为负数"),
    ("61", "工作年限 61 不合理（超过 60 年）"),
    ("八十年", "工作年限 八十年 不合理（超过 60 年）"),
    ("很多", "工作年限 很多 无法识别，请填写数字，如 3 或 3年"),
])
def test_years_problems(text, reason):
    assert parse_years(text)[1] == reason


@pytest.mark.parametrize("text, level", [
    ("博士", "博士"), ("博士研究生", "博士"), ("PhD", "博士"), ("硕士", "硕士"), ("研究生", "硕士"), ("MBA", "硕士"),
    ("Master", "硕士"), ("本科", "本科"), ("全日制本科", "本科"), ("学士", "本科"), ("Bachelor", "本科"),
    ("专升本", "本科"), ("大专", "大专"), ("专科", "大专"), ("大学专科", "大专"), ("高职", "大专"),
    ("Associate degree", "大专"), ("高中", "高中"), ("High School", "高中"), ("中专", "中专"), ("职高", "中专"),
    ("初中", "其他"), ("其他", "其他"),
])
def test_education_levels(text, level):
    assert normalise_education(text) == level


def test_100k_row_csv_keeps_the_first_20000_and_reports_the_rest_quickly(tmp_path):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机号", "工作年限"])
    for i in range(100_000):
        writer.writerow([f"候选人{i}", f"139{i:08d}", i % 10])
    data = buffer.getvalue().encode("gbk")
    start = time.perf_counter()
    sheet = read_sheet(data, "big.csv")
    elapsed = time.perf_counter() - start
    assert len(sheet.rows) == MAX_ROWS
    assert sheet.rows[-1].row_no == MAX_ROWS + 1
    assert sheet.errors == [RowError(20002, ("超过 20000 行上限：第 20002–100001 行未导入，请拆分后再发送",))]
    assert elapsed < 10


def test_rows_past_the_limit_in_xlsx_are_reported_too(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.bulk.sheets.MAX_ROWS", 3)
    rows = [["姓名", "手机号"]] + [[f"候选人{i}", f"139{i:08d}"] for i in range(6)]
    sheet = read_sheet(write_xlsx(tmp_path, rows), "a.xlsx")
    assert [row.row_no for row in sheet.rows] == [2, 3, 4]
    assert sheet.errors == [RowError(5, ("超过 3 行上限：第 5–7 行未导入，请拆分后再发送",))]
