"""A .zip of résumés read within limits: member count, each member's size, the total unpacked and the packing
ratio are capped, and names that climb out of the folder (../../x, /etc/x, C:\\x) or are links are refused.

Sizes are counted on the bytes actually inflated, never taken from the zip's own headers (a bomb lies in them).
Every member gets an outcome of its own: a refused member names its reason and the rest are still read.
"""
from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.resumes.formats import MAX_BYTES, ResumeRejected

MAX_MEMBERS = 1000
MAX_TOTAL = 512 * 1024 * 1024  # 512 MB unpacked: 1,000 résumés of half a megabyte
MAX_RATIO = 100  # PDF and DOCX are compressed already; text packs ~10:1; a bomb packs 1000:1 and more
CHUNK = 65536
SKIPPED = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass
class Member:
    """One file of the archive: its bytes, or the reason it was not read."""

    name: str
    data: bytes = b""
    reason: str = ""
    code: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def read_zip(data: bytes, *, max_members: int = MAX_MEMBERS, max_total: int = MAX_TOTAL,
             max_member: int = MAX_BYTES, max_ratio: int = MAX_RATIO) -> list[Member]:
    """The members of a résumé archive; ResumeRejected when the archive as a whole cannot be read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ResumeRejected("bad_zip", "压缩包已损坏或不是 .zip 格式，无法读取。") from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir() and not _skipped(info.filename)]
        if len(infos) > max_members:
            raise ResumeRejected("zip_members", f"压缩包里有 {len(infos)} 个文件，超过 {max_members} 个的上限；"
                                                "请分成几个压缩包上传。")
        return list(_members(archive, infos, max_total, max_member, max_ratio))


def _members(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], max_total: int, max_member: int,
             max_ratio: int) -> Iterator[Member]:
    total = 0
    for info in infos:
        name = member_name(info)
        if not safe_name(name) or stat.S_ISLNK(info.external_attr >> 16):
            yield Member(name, reason="压缩包内的文件路径不安全（含 ../、绝对路径或链接），已跳过。", code="zip_path")
            continue
        if info.flag_bits & 0x1:
            yield Member(name, reason="压缩包内的文件已加密，无法读取。", code="encrypted")
            continue
        if total >= max_total:
            yield Member(name, reason="压缩包解压后的总大小超过上限，其余文件未读取。", code="zip_total")
            continue
        cap = min(max_member, max_total - total, max(info.compress_size, 1) * max_ratio)
        try:
            data = _inflate(archive, info, cap)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
            yield Member(name, reason="压缩包内的这个文件已损坏，无法解压。", code="damaged")
            continue
        if data is None:
            yield Member(name, reason="文件解压后过大或压缩比异常（疑似压缩炸弹），已跳过。", code="zip_bomb")
            total += cap
            continue
        total += len(data)
        yield Member(name, data)


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """The member's bytes, or None as soon as more than cap come out."""
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            out += chunk
            if len(out) > cap:
                return None
    return bytes(out)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: zips made on Chinese Windows store GBK names without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def safe_name(name: str) -> bool:
    """A relative path that stays inside the folder it is unpacked in."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return False
    return all(part not in ("", ".", "..") for part in PurePosixPath(name).parts)


def _skipped(name: str) -> bool:
    return name.startswith(SKIPPED[0]) or PurePosixPath(name).name in SKIPPED[1:] or \
        PurePosixPath(name).name.startswith("._")
