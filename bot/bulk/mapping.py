"""What a recruiter is told about a sheet before and after its run: which columns were read as which field and which
were ignored (and what that means for the position's screening), a template sheet to start from, what to change in
a row that failed for want of a résumé, and the match threshold in words (its scale, where this sheet's résumés fall).

A sheet whose résumé column went unrecognised once screened out every valid row with "匹配度记为 0" and said nothing
else: `needs_confirmation` is what makes the upload page stop and show the mapping before such a run starts.
"""
from __future__ import annotations

import io
import statistics

import openpyxl
from openpyxl.styles import Font

from bot.bulk.screening import parse_rules
from bot.bulk.sheets import FIELDS, LABELS, Columns

CHOOSABLE = FIELDS  # every field a recruiter may pick for an unrecognised column
TEMPLATE_HEADERS = ("姓名", "手机", "邮箱", "企业微信ID", "微信号", "身份证号", "学历", "专业", "工作年限", "简历")
TEMPLATE_EXAMPLE = ("张三", "13800138000", "zhangsan@example.com", "zhangsan", "", "", "本科", "金融学", "3",
                    "三年银行柜员工作经验，熟悉现金业务、点钞验钞和反洗钱初审，曾获网点服务之星。")
MIN_FOR_SPREAD = 5  # résumés needed before "where this sheet's résumés fall" says more than a typical range
TYPICAL = "对口的简历通常在 0.2–0.45，相近行业约 0.1，应届生约 0.05，不相关的约 0.02"
MATCH_HINT = f"简历与岗位描述的相似程度，范围 0–1：{TYPICAL}；填 0 表示不设门槛"  # the position editor's hint
NO_COLUMN_HINT = "表中没有可识别的简历列，请添加「简历」列，或在上传页的列映射里选择简历所在的列"


def needs_resume(rules: dict | None) -> bool:
    """Whether the position's screening cannot pass a row without résumé text (a match minimum, required skills)."""
    parsed = parse_rules(rules)
    return parsed["match_min"] > 0 or bool(parsed["required_skills"])


def needs_confirmation(columns: Columns, rules: dict | None) -> bool:
    """A sheet with no résumé column for a position whose screening needs one: every row would be screened out
    for that alone, so the run waits for the recruiter to map a column (or to confirm it as it is)."""
    return "resume" not in columns.columns and needs_resume(rules)


def column_lines(columns: Columns, rules: dict | None) -> list[str]:
    """The mapping in the recruiter's words: what was read, what was ignored, and what a missing résumé means."""
    lines = ["已读取的列：" + "、".join(f"{LABELS[f]} ←「{h}」" for f, h in columns.columns.items())]
    if columns.ignored:
        lines.append("未使用的列：" + "、".join(f"「{h}」" for h in columns.ignored)
                     + "（这些列的内容不会导入，也不参与筛选）")
    if "resume" not in columns.columns:
        guess = f"「{columns.ignored[0]}」" if len(columns.ignored) == 1 else "其中某列"
        if columns.ignored:
            lines.append(f"未识别简历列：若{guess}是简历内容，请把列名改为「简历」，或在列映射里把它选为「简历」。")
        if needs_resume(rules):
            parsed = parse_rules(rules)
            need = (f"简历与岗位的匹配度至少 {parsed['match_min']:.2f}" if parsed["match_min"] > 0
                    else f"简历里有必备技能（{'、'.join(parsed['required_skills'])}）")
            lines.append(f"没有简历列时，每一行都会因为没有简历内容而筛选不通过（本岗位要求{need}）。")
    return lines


def empty_resume_hint(columns: dict[str, str]) -> str:
    """What a row with no résumé text should change: add the column, or fill the row's cell."""
    if "resume" not in columns:
        return NO_COLUMN_HINT
    return f"这一行的「{columns['resume']}」为空，请补上简历内容"


def template_xlsx() -> bytes:
    """A sheet with every recognised header and one example row, for a recruiter to fill in."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "候选人名单"
    sheet.append(TEMPLATE_HEADERS)
    sheet.append(TEMPLATE_EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in ("B", "F"):  # numbers Excel would otherwise shorten (身份证号) or format
        for cell in sheet[column]:
            cell.number_format = "@"
    sheet.column_dimensions["J"].width = 60
    notes = workbook.create_sheet("说明")
    notes.append(("列名", "说明"))
    for header, field in zip(TEMPLATE_HEADERS, FIELDS, strict=True):
        notes.append((header, _NOTES[field]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_NOTES = {"name": "必填", "phone": "手机号、邮箱、企业微信ID、微信号至少填一项", "email": "", "wecom_userid":
          "填了企业微信ID的候选人直接在企业微信收到邀请", "wechat": "", "id_number": "可不填；18 位，请设为文本格式",
          "education": "博士/硕士/本科/大专/高中/中专", "major": "", "years": "数字，如 3 或 3年；应届填 0",
          "resume": "简历正文或摘要（自我评价、工作经历也可以），用于计算与岗位描述的匹配度"}


def threshold_words(rules: dict | None, matches: list[float]) -> str:
    """The match minimum as HR reads it: the scale, and where this sheet's résumés fall (median, top fifth) when
    there are enough of them, else where typical résumés fall."""
    minimum = parse_rules(rules)["match_min"]
    scale = "匹配度是简历与岗位描述的相似程度，范围 0–1（越高越贴近岗位）"
    rule = f"本岗位要求至少 {minimum:.2f}" if minimum > 0 else "本岗位不设最低匹配度"
    found = sorted(m for m in matches if m > 0)
    if len(found) >= MIN_FOR_SPREAD:
        top = found[min(len(found) - 1, int(len(found) * 0.8))]
        below = sum(1 for m in matches if m < minimum)
        spread = (f"本表 {len(found)} 份简历的中位数 {statistics.median(found):.2f}，前 20% 在 {top:.2f} 以上"
                  + (f"，{below} 行低于要求" if minimum > 0 else ""))
    else:
        spread = TYPICAL
    return f"{scale}；{rule}；{spread}。"
