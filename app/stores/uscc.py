"""Unified social credit code (统一社会信用代码), GB 32100-2015: format and check character."""

from __future__ import annotations

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters; I, O, S, V and Z are never used
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(r"^[1-9A-HJ-NP-RTUWXY][1-9A-HJ-NP-RTUWXY]\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def problem(value: str) -> str | None:
    """None when valid, otherwise a Chinese explanation."""
    code = normalize(value)
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，当前为 {len(code)} 位"
    if not _SHAPE.match(code):
        return "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z）或格式不符"
    if check_character(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对是否录入有误"
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None
