"""Shared test helpers (moved here from the test modules that used to copy them)."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlparse

from icalendar import Calendar

from tests.support.chat import texts

TELLER = ("三年银行柜员工作经验，熟悉现金业务、点钞验钞和反洗钱初审，服务意识强，"
          "曾获网点服务之星，金融学专业本科毕业。")


def sheet(rows: list[list[str]], header: tuple[str, ...] = ("姓名", "手机", "企业微信ID", "学历", "专业", "工作年限",
                                                            "简历")) -> bytes:
    """A CSV sheet as recruiters export it (UTF-8 with a BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def mailbox(stack, address: str) -> list[dict]:
    """What the sandbox's SMTP server received for address, attachments' contents included."""
    return stack.api("GET", "mail", params={"to": address, "full": 1})["messages"]


def phone(stack, number: str) -> list[dict]:
    """The SMS the sandbox's provider accepted for number (E.164)."""
    return stack.api("GET", "sms", params={"to": number})["messages"]


def calendar_event(message: dict):
    """The VEVENT of the e-mail's .ics attachment."""
    [ics] = [a for a in message["attachments"] if a["content_type"] == "text/calendar"]
    return Calendar.from_ical(ics["content"]).walk("VEVENT")[0]


def member_row(i: int, resume: str = TELLER) -> list[str]:
    return [f"候选人{i:05d}", f"139{i:08d}", f"c{i:05d}", "本科", "金融学", "3", resume]


def upload(stack, data: bytes, name: str = "名单.csv", user: str = "hr_li", resumes: bytes = b"",
           resumes_name: str = "简历.zip") -> str:
    """Ask for the upload link in chat, then post the sheet (and a .zip of résumés) to it as the page's form
    does."""
    stack.say(user, "/bulk 柜员")
    stack.drain()
    prompt = [t for t in texts(stack, user) if "上传「柜员」的候选人名单" in t][-1]
    link = prompt.rsplit("：", 1)[1]
    client = stack.app.test_client()
    path = urlparse(link).path
    assert client.get(path).status_code == 200
    form = {"file": (io.BytesIO(data), name)} if data else {}
    if resumes:
        form["resumes"] = (io.BytesIO(resumes), resumes_name)
    answer = client.post(path, data=form, content_type="multipart/form-data")
    assert answer.status_code == 200 and "已收到" in answer.get_data(as_text=True), answer.get_data(as_text=True)
    return path
