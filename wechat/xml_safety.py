"""Refuse hostile XML before anything else parses it.

WeChat's pushes are small, flat documents under `<xml>`. wechatpy parses them with xmltodict (expat),
which would expand internal entities. So every document — the outer body and, in safe mode, the
decrypted inner one — first goes through defusedxml with DTDs forbidden: no DTD means no entity can be
declared, so no billion laughs, no external entity (XXE), no network or file access. Size, depth and
element count are bounded too. Only then is the same text handed to wechatpy.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

#: Far above any real push (a text message is at most 2048 bytes of content) and far below harm.
MAX_BYTES = 64 * 1024
MAX_DEPTH = 6
MAX_ELEMENTS = 256


class UnsafeXML(ValueError):
    """Not a document this service will parse: too big, malformed, a DTD, too deep or too wide."""


def parse(raw: bytes | str) -> ET.Element:
    """The `<xml>` root of a WeChat push, or UnsafeXML."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > MAX_BYTES:
        raise UnsafeXML("too large")
    if not data.strip():
        raise UnsafeXML("empty")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise UnsafeXML(type(exc).__name__) from None
    if root.tag != "xml":
        raise UnsafeXML("root is not <xml>")
    count = 0
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_ELEMENTS:
            raise UnsafeXML("too deep or too many elements")
        stack.extend((child, depth + 1) for child in node)
    return root


def text_of(root: ET.Element, tag: str) -> str:
    node = root.find(tag)
    return (node.text or "").strip() if node is not None else ""
