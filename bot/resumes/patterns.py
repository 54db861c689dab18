"""What the résumé parser looks for: section headings, date ranges, schools, degrees, employers, certificates and
languages, in Chinese and English. Vocabulary only; bot/resumes/parse.py decides what the matches mean.

Phones and e-mails are jionlp's (bot/resumes/parse.py); date ranges are one pattern here because every résumé
writes them in a handful of forms (2019.09-2023.06, 2019年9月至今, Sep 2019 – Present) and one regex reads a
résumé's dozen ranges in microseconds.
"""
from __future__ import annotations

import re
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "config"

HEADINGS = {
    "basic": ("个人信息", "基本信息", "个人资料", "联系方式", "personal information", "personal details", "contact",
              "contact information"),
    "objective": ("求职意向", "应聘岗位", "求职目标", "objective", "career objective"),
    "education": ("教育背景", "教育经历", "学习经历", "教育情况", "学历", "education", "education background",
                  "academic background"),
    "work": ("工作经历", "工作经验", "职业经历", "工作履历", "任职经历", "work experience", "professional experience",
             "employment", "employment history", "experience", "work history"),
    "internship": ("实习经历", "实习经验", "实践经历", "社会实践", "实习", "internship", "internships",
                   "internship experience"),
    "project": ("项目经历", "项目经验", "项目", "projects", "project experience"),
    "skills": ("技能", "专业技能", "技能特长", "个人技能", "技能证书", "技能与证书", "技能及证书", "skills",
               "technical skills", "skills & certificates", "skills and certificates"),
    "certificates": ("证书", "资格证书", "证书资质", "职业资格", "所获证书", "certificates", "certifications",
                     "licenses", "licences"),
    "awards": ("获奖", "获奖情况", "获奖经历", "荣誉", "荣誉奖项", "所获荣誉", "奖励", "荣誉证书", "awards", "honors",
               "honours", "honors & awards", "awards & honors"),
    "languages": ("语言能力", "外语能力", "外语水平", "语言", "languages", "language skills"),
    "summary": ("自我评价", "个人评价", "自我介绍", "个人总结", "个人优势", "summary", "profile", "about me"),
    "activities": ("校园经历", "在校经历", "社团经历", "学生工作", "兴趣爱好", "activities", "interests", "hobbies"),
}
HEADING_OF = {title.replace(" ", ""): kind for kind, titles in HEADINGS.items() for title in titles}
DECORATION = re.compile(r"[\s【】\[\]■□●○◆◇▶►▪★☆#*:：|_\-—–=·•/、()（）0-9一二三四五六七八九十.]+")

YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
          "nov": 11, "dec": 12}
EN_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
ONE_DATE = (rf"(?:(?P<{{p}}m1>{EN_MONTH})\s*,?\s*(?P<{{p}}y1>{YEAR})"
            rf"|(?P<{{p}}y2>{YEAR})\s*(?:[./\-年]\s*(?P<{{p}}m2>1[0-2]|0?[1-9])(?!\d)\s*月?)?)")
PRESENT = r"(?P<present>至今|今|现在|目前|Present|present|Now|now|Current|current|Today|today)"
DATE_RANGE = re.compile(
    ONE_DATE.format(p="a") + r"\s*(?:-|–|—|~|至|到|to|TO|To)\s*(?:" + ONE_DATE.format(p="b") + "|" + PRESENT + ")")

DEGREES = (  # (pattern, canonical); longest forms first
    (r"博士研究生|博士|Ph\.?\s?D\.?|Doctor(?:ate)?(?:\s+of\s+\w+)?", "博士"),
    (r"硕士研究生|硕士|研究生|MBA|MPAcc|MFin|M\.?\s?Sc\.?|M\.?S\.?|M\.?A\.?|M\.?Eng\.?|Master(?:'s)?"
     r"(?:\s+of\s+(?:Science|Arts|Engineering|Finance|Business\s+Administration))?", "硕士"),
    (r"全日制本科|统招本科|本科|学士|B\.?\s?Sc\.?|B\.?S\.?|B\.?A\.?|B\.?Eng\.?|Bachelor(?:'s)?"
     r"(?:\s+of\s+(?:Science|Arts|Engineering|Economics|Laws|Management))?", "本科"),
    (r"大专|专科|高职|Associate(?:'s)?(?:\s+Degree)?", "大专"),
    (r"中专|中技|职高", "中专"),
    (r"高中", "高中"),
)
DEGREE = re.compile("|".join(f"(?P<d{i}>{pattern})" for i, (pattern, _) in enumerate(DEGREES)))
DEGREE_NAMES = [canonical for _, canonical in DEGREES]
HAN = re.compile(r"[\u4e00-\u9fff]")
SCHOOL_HAN = re.compile(
    r"[\u4e00-\u9fff]{2,20}?(?:大学|学院|学校|中学|党校|研究院|研究所)(?:\([\u4e00-\u9fff]{2,6}\))?")
SCHOOL_EN = re.compile(
    r"(?:The\s+)?(?:(?:[A-Z][\w'&.-]*|of|and|&)\s+){0,6}(?:University|College|Institute|Polytechnic|School)"
    r"(?:\s+(?:of|for)(?:\s+(?:[A-Z][\w'&.-]*|and|&))+)?(?:,\s*(?:Beijing|Wuhan|East China|[A-Z][a-z]+))?")
ORG_HAN = re.compile(r"(?:银行|分行|支行|公司|集团|医院|事务所|证券|保险|基金|信托|中心|研究院|研究所|大学|学院|学校|"
                     r"委员会|管理局|局|厅|协会|工作室|合作社|信用社|门店|酒店|商场|超市|网点|营业部)")
ORG_EN = re.compile(r"\b(?:Bank|Inc\.?|Ltd\.?|LLC|LLP|Limited|Group|Corporation|Corp\.?|Company|Co\.|Partners|"
                    r"Securities|Capital|Consulting|Technologies|Technology|Insurance|Hospital|Bureau|Holdings|"
                    r"Associates|Agency|Fund|Trust|University|College)\b")
TITLE_HINT = re.compile(r"(?:经理|柜员|主管|专员|助理|实习生|工程师|顾问|分析师|会计|出纳|总监|护士|教师|文员|"
                        r"客服|销售|代表|行员|行长|主任|研究员|Intern|Analyst|Manager|Engineer|Associate|Assistant|"
                        r"Teller|Consultant|Officer|Director|Developer|Accountant|Specialist|Representative)")
EN_TITLE = re.compile(  # a title written after its employer with one space between (Goldman Sachs Analyst)
    r"(?:^|\s)(?P<title>(?:(?:Senior|Junior|Lead|Chief|Assistant|Associate|Relationship|Audit|Software|Operations|Credit|"
    r"Risk|Investment|Financial|Data|Business|Marketing|Sales|Product|Summer|Management|Graduate)\s+)*"
    r"(?:Intern|Analyst|Manager|Engineer|Associate|Assistant|Teller|Consultant|Officer|Director|Developer|"
    r"Accountant|Specialist|Representative|Trainee))$")
CERTIFICATES = (  # (pattern, canonical)
    (r"银行(?:业)?从业(?:人员)?资格(?:证书?)?|银行从业(?:资格)?", "银行从业资格"),
    (r"证券从业(?:人员)?资格(?:证书?)?|证券从业", "证券从业资格"),
    (r"基金从业(?:人员)?资格(?:证书?)?|基金从业", "基金从业资格"),
    (r"期货从业(?:人员)?资格(?:证书?)?", "期货从业资格"),
    (r"保险(?:代理人|从业)资格(?:证书?)?", "保险从业资格"),
    (r"初级会计(?:职称|师|资格)?(?:证书?)?", "初级会计"),
    (r"中级会计(?:职称|师|资格)?(?:证书?)?", "中级会计"),
    (r"注册会计师|\bCPA\b", "注册会计师"),
    (r"\bCFA\b(?:\s*(?:Level\s*)?(?:I{1,3}|[123一二三])级?)?|特许金融分析师", "CFA"),
    (r"\bFRM\b|金融风险管理师", "FRM"),
    (r"\bACCA\b", "ACCA"),
    (r"\bCMA\b|管理会计师", "CMA"),
    (r"\bAFP\b|金融理财师", "AFP"),
    (r"\bCFP\b|国际金融理财师", "CFP"),
    (r"法律职业资格(?:证书?)?|司法考试", "法律职业资格"),
    (r"教师资格(?:证书?)?", "教师资格"),
    (r"护士执业(?:资格)?(?:证书?)?", "护士执业资格"),
    (r"(?:全国)?计算机(?:等级考试)?[二三2-3]级(?:证书?)?", "计算机等级"),
    (r"\bPMP\b", "PMP"),
    (r"反洗钱(?:专业)?(?:资格|岗位)?证书", "反洗钱证书"),
)
CERTIFICATE = re.compile("|".join(f"(?P<c{i}>{pattern})" for i, (pattern, _) in enumerate(CERTIFICATES)))
CERTIFICATE_NAMES = [canonical for _, canonical in CERTIFICATES]
LANGUAGE = re.compile(
    r"(?:大学)?英语(?:专业)?[四六八468]级(?:\s*\d{3})?|CET\s*-?\s*[46](?:\s*[:：]?\s*\d{3})?|TEM\s*-?\s*[48]|"
    r"(?:雅思|IELTS)\s*[:：]?\s*\d(?:\.\d)?|(?:托福|TOEFL)(?:\s*iBT)?\s*[:：]?\s*\d{2,3}|(?:日语|JLPT)\s*N[1-5]|"
    r"普通话(?:水平)?(?:测试)?(?:[一二三]级[甲乙]等)?|粤语|"
    r"\b(?:English|Mandarin|Cantonese|Japanese|French|German|Korean|Spanish)\b(?:\s*\((?:native|fluent|"
    r"proficient|business|conversational|basic|CET-[46])\))?")
LIST_SEPARATORS = re.compile(r"\s*[,，、;；|/]\s*|\s{2,}")
BULLET = re.compile(r"^(?:[\s•·●○◆◇▪■□\-*>✓√]+|\d{1,2}[.、)）]\s*)+")
AWARD_HINT = re.compile(r"奖学金|荣获|获评|获得.{0,12}(?:奖|称号)|[一二三特]等奖|优秀(?:毕业生|学生|员工|团员|干部)|"
                        r"三好学生|标兵|Scholarship|Award|Prize|Honou?r")
SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
               "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
               "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
               "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古"
               "吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫"
               "寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "令狐", "夏侯", "端木", "轩辕")
COLUMN_LABELS = {"时间", "起止时间", "就读时间", "学校", "院校", "毕业院校", "专业", "学历", "学位", "公司", "单位",
                 "公司名称", "职位", "岗位", "职务", "工作内容", "Dates", "School", "Degree", "Major", "Company",
                 "Title"}
NOT_NAMES = {"简历", "个人简历", "求职简历", "履历", "简历表", "应聘", "求职意向"}
NAME_LABEL = re.compile(
    r"(?:姓\s*名|Name)(?:\s*[:：]\s*|\s{2,})(?P<name>[\u4e00-\u9fff·]{2,6}|[A-Z][a-zA-Z'-]+(?:\s[A-Z][a-zA-Z'-]+){1,3})")
MAJOR_LABEL = re.compile(r"专业\s*[:：]\s*(?P<major>[^\s|,，;；]{2,20})")
EDUCATION_LABEL = re.compile(r"(?:毕业院校|毕业学校|就读院校|学校)\s*[:：]\s*(?P<school>[^\s|,，;；]{2,30})|"
                             r"(?:最高学历|学历|学位)\s*[:：]\s*(?P<degree>[^\s|,，;；]{2,10})|"
                             r"(?:所学专业|专业)\s*[:：]\s*(?P<major>[^\s|,，;；]{2,20})")
INTERN = re.compile(r"实习|Intern", re.IGNORECASE)
EN_NAME = re.compile(r"[A-Z][a-zA-Z'-]+(?:\s[A-Z][a-zA-Z'-]*\.?){1,3}")


def _universities() -> tuple[list[str], dict[str, str]]:
    names, english = [], {}
    for line in (CONFIG / "universities.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, en = line.strip().partition("=")
            names.append(name)
            if en:
                english[en] = name
    return names, english


UNIVERSITIES, ENGLISH_UNIVERSITIES = _universities()
UNIVERSITY = re.compile("|".join(re.escape(n) for n in sorted([*UNIVERSITIES, *ENGLISH_UNIVERSITIES], key=len,
                                                               reverse=True)))
