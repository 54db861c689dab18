"""Résumés written the way job sites and Word templates lay them out, beyond the generator's layouts: a 智联/
51job-style export (a summary line, dates with slashes, | between fields), a form of labels (毕业院校：… 学历：…),
and an English CV with dates at the right margin and the title under the employer."""
from __future__ import annotations

import datetime as dt

from bot.resumes.intake import read_resume

TODAY = dt.date(2026, 12, 6)

EXPORT = """张伟
男 | 28岁 | 本科 | 5年工作经验
手机：13800138000 | 邮箱：zhangwei@qq.com

求职意向
期望职位：客户经理  期望地点：深圳

工作经历
2019/07 - 至今 深圳农村商业银行 | 客户经理 | 5年5个月
工作描述：负责个人客户营销与维护，管理资产规模 2 亿元。
2016/07 - 2019/06 中国平安保险集团股份有限公司 | 销售代表
工作描述：负责寿险产品销售。

教育经历
2012/09 - 2016/06 深圳大学 | 金融学 | 本科
"""

FORM = """个人简历
姓名：王芳    性别：女
出生年月：1995.03   政治面貌：中共党员
毕业院校：中南财经政法大学   学历：本科
专业：会计学   联系电话：186 1234 5678
电子邮箱：wangfang95@163.com
实习经历
2017年7月-2017年9月  中国建设银行武汉分行  柜员实习生
协助办理存取款业务
工作经历
2018年7月至今  湖北银行  综合柜员
技能证书
银行从业资格证、初级会计师、计算机二级
"""

CV = """LI MING
Shanghai, China | +86 139-0000-1111 | ming.li@outlook.com

EDUCATION
Fudan University, Shanghai                                  Sep 2015 - Jun 2019
Bachelor of Economics, Finance
PROFESSIONAL EXPERIENCE
Standard Chartered Bank                                     Jul 2019 - Present
Relationship Manager
- Managed 80 SME clients.
Deloitte, Audit Intern                                      Jun 2018 - Aug 2018
SKILLS
Python, SQL, Bloomberg; CFA Level II candidate; IELTS 7.5
"""


def values(entry, *names):
    return tuple(getattr(entry, n).value if getattr(entry, n) else None for n in names)


def test_job_site_export():
    resume = read_resume(EXPORT.encode("gb18030"), "张伟.txt", TODAY).resume
    assert values(resume, "name", "phone", "email") == ("张伟", "13800138000", "zhangwei@qq.com")
    assert [values(e, "school", "degree", "major", "start", "end") for e in resume.education] == [
        ("深圳大学", "本科", "金融学", "2012-09", "2016-06")]
    assert [values(x, "employer", "title", "start", "end") for x in resume.experience] == [
        ("深圳农村商业银行", "客户经理", "2019-07", "present"),
        ("中国平安保险集团股份有限公司", "销售代表", "2016-07", "2019-06")]
    assert resume.years_of_experience == 10.5 and resume.gaps == []


def test_a_form_of_labels():
    resume = read_resume(FORM.encode("utf-16"), "简历.txt", TODAY).resume
    assert values(resume, "name", "phone", "email") == ("王芳", "18612345678", "wangfang95@163.com")
    assert [values(e, "school", "degree", "major") for e in resume.education] == [
        ("中南财经政法大学", "本科", "会计学")]
    assert [(x.kind, *values(x, "employer", "title")) for x in resume.experience] == [
        ("internship", "中国建设银行武汉分行", "柜员实习生"), ("work", "湖北银行", "综合柜员")]
    assert [c.value for c in resume.certificates] == ["银行从业资格", "初级会计", "计算机等级"]
    assert [(g.start, g.end, g.months) for g in resume.gaps] == [("2017-09", "2018-07", 10)]


def test_an_english_cv():
    resume = read_resume(CV.encode(), "cv.txt", TODAY).resume
    assert values(resume, "name", "phone", "email") == ("LI MING", "13900001111", "ming.li@outlook.com")
    assert [values(e, "school", "degree", "major") for e in resume.education] == [
        ("Fudan University", "本科", "Finance")]
    assert [(x.kind, *values(x, "employer", "title", "duties")) for x in resume.experience] == [
        ("work", "Standard Chartered Bank", "Relationship Manager", "- Managed 80 SME clients."),
        ("internship", "Deloitte", "Audit Intern", None)]
    assert [c.value for c in resume.certificates] == ["CFA"] and [v.value for v in resume.languages] == ["IELTS 7.5"]
    assert [s.value for s in resume.skills] == ["Python", "SQL", "Bloomberg"]
