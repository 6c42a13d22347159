"""Redaction of free text before anything of a case is published (Order 121 Art. 39, DOMAIN.md).

Never published: names, phone numbers, addresses, ID numbers, account handles. Each is replaced by a
bracketed Chinese label (`texts.REDACTED`), so a reader sees that something was taken out.

- Numbers: any run of 7 or more digits (ASCII, full-width or Chinese numerals), allowing spaces, dashes,
  dots and brackets between them and a +86 prefix: mobile and landline numbers, 15/18-digit ID numbers
  (with a final X), bank cards, order numbers. A date written with separators (2026-11-20) is kept.
- Handles: e-mail addresses, and what follows 微信 / QQ / 邮箱 cues.
- Addresses: what follows 住址 / 地址 / 家住 cues up to the next punctuation; house numbers on a road
  or street (…路 12 号, …街 3 号 2 栋 401 室); building, unit and room numbers.
- Names: what follows 姓名 / 我叫 cues; a common surname with a title (张先生 → 某先生); every word
  jieba's part-of-speech tagger marks as a person's name (nr, nrt, nrfg), with a compound surname before it.

Invisible characters (zero-width spaces, joiners, BOM) are removed first, so they cannot split a number
or a name. This errs on the side of taking out too much: a place named like a person goes too.
"""

from __future__ import annotations

import functools
import re

from app.publicity.texts import REDACTED

_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_DIGIT = r"[\d〇零一二三四五六七八九幺]"
_SEP = r"[\s\-－—–_.·•()（）/\\]"
_NUMBER = re.compile(
    rf"(?:[+＋]\s*(?:86|８６)\s*[-－]?\s*)?{_DIGIT}(?:{_SEP}{{0,2}}{_DIGIT}){{6,}}(?:\s?[Xx×])?"
)
_DATE = re.compile(r"^\d{4}\s?[-./年]\s?\d{1,2}\s?[-./月]\s?\d{1,2}日?$")
_EMAIL = re.compile(r"[\w.+\-]+\s?(?:@|＠)\s?[\w\-]+(?:\.[\w\-]+)+", re.ASCII)
_HANDLE = re.compile(
    r"((?:微信号?|微\s?信|[Ww][Xx]|[Vv][Xx]|[Qq]{2}号?|邮箱|[Ee]-?mail)\s*[:：是为]?\s*)([A-Za-z0-9_\-@.]{5,})"
)
_ADDRESS_CUE = re.compile(
    r"((?:住址|家庭住址|家住|住在|地址|收货地址)\s*[:：是为在]?\s*)([^，。；;,.!！？?\n]{2,40})"
)
_HAN_NUM = r"[\d〇零一二三四五六七八九十百千]+"
_STREET = re.compile(
    rf"[\u4e00-\u9fff]{{1,8}}(?:路|街|大街|大道|巷|弄|胡同|里){_HAN_NUM}\s?号"
    rf"(?:\s?(?:{_HAN_NUM}|[A-Za-z])\s?(?:号楼|栋|幢|座|单元|层|楼|室|号|户))*"
)
_BUILDING = re.compile(
    rf"(?:{_HAN_NUM}|[A-Za-z])\s?(?:号楼|栋|幢|单元)(?:\s?(?:{_HAN_NUM}|[A-Za-z])\s?(?:层|楼|室|号|户))*"
)
_NAME_CUE = re.compile(
    r"((?:姓名|名字|名叫|我叫|本人叫|叫做|签名)\s*[:：是为]?\s*)([\u4e00-\u9fff](?:\s?[\u4e00-\u9fff·]){1,3})"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "慕容",
    "令狐",
    "司徒",
    "夏侯",
    "端木",
    "公孙",
)
_TITLES = "先生|女士|小姐|太太|经理|老板娘|老板|师傅|店长|老师|医生|阿姨|大姐|大哥|总|工"
_SURNAME_TITLE = re.compile(rf"(?:{'|'.join(COMPOUND_SURNAMES)}|[{SURNAMES}])(?={_TITLES})")
_NAME_FLAGS = ("nr", "nrt", "nrfg")
#: Everyday words the tagger takes for names (谢 is a surname).
NOT_NAMES = frozenset({"谢谢", "多谢", "感谢", "万一", "于是", "高兴", "安心", "文明", "和平", "常常"})


@functools.cache
def _tagger():
    """jieba's part-of-speech tagger, loaded once per process (a few seconds; the worker pays it)."""
    # Imported here: only the worker and the tests redact, and jieba costs every other process its load.
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba.posseg


def _numbers(text: str) -> str:
    def replace(match: re.Match) -> str:
        found = match.group(0)
        return found if _DATE.match(found.strip()) else REDACTED["number"]

    return _NUMBER.sub(replace, text)


def _names(text: str) -> str:
    words = [(w.word, w.flag) for w in _tagger().cut(text)]
    out: list[str] = []
    for i, (word, flag) in enumerate(words):
        if (
            flag in _NAME_FLAGS
            and word not in NOT_NAMES
            and len(word) > 1
            and any("\u4e00" <= ch <= "\u9fff" for ch in word)
        ):
            if out and out[-1] in COMPOUND_SURNAMES:
                out.pop()
            if out and out[-1] == REDACTED["name"]:
                continue
            out.append(REDACTED["name"])
        elif word in COMPOUND_SURNAMES and i + 1 < len(words) and words[i + 1][1] in _NAME_FLAGS:
            out.append(word)  # dropped with the given name that follows
        else:
            out.append(word)
    return "".join(out)


def redact(text: str) -> str:
    """The text with every name, number, handle and address replaced by a label."""
    text = _INVISIBLE.sub("", text or "")
    text = _EMAIL.sub(REDACTED["handle"], text)
    text = _HANDLE.sub(lambda m: m.group(1) + REDACTED["handle"], text)
    text = _ADDRESS_CUE.sub(lambda m: m.group(1) + REDACTED["address"], text)
    text = _STREET.sub(REDACTED["address"], text)
    text = _BUILDING.sub(REDACTED["address"], text)
    text = _numbers(text)
    text = _NAME_CUE.sub(lambda m: m.group(1) + REDACTED["name"], text)
    text = _SURNAME_TITLE.sub("某", text)
    return _names(text)
