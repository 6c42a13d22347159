"""WeChat message `data` for an outbox row, every value made to fit its type before anything is sent.

WeChat does not truncate: a value over its type's limit is a hard error (47003) and the message is
lost. So each value is shaped here by the type its template key names (`thing3` is a `thing`):

- `thing` ≤ 20 characters (free text is cut to 19 and ends with "…"), `short_thing` ≤ 5;
- `phrase` ≤ 5 Chinese characters only (a status like "暂停（检测鉴定中）" becomes "暂停");
- `character_string` ≤ 32 visible ASCII characters, `number`, `letter`, `symbol`, `amount`,
  `phone_number`, `car_number`, `name` by WeChat's rules;
- `time` / `date` as "YYYY-MM-DD HH:MM" in China time (a "MM-DD HH:MM" deadline gets its year);
- line breaks and runs of blanks become one space; official-account template values (since 2023-05)
  are at most 20 characters whatever their type.

Which payload field goes to which template key is data: `DEFAULT_FIELDS`, per notify template name,
overridden per template by the JSON setting WECHAT_TEMPLATE_FIELDS (the keys depend on the templates
the operator picked in the WeChat console). The template ids are settings: `TEMPLATE_ID_SETTINGS`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask import current_app

from app.complaints.texts import MESSAGES
from app.core.timeutil import CHINA, utcnow
from app.notifications import notify

SUBSCRIBE = "subscribe"
TEMPLATE = "template"
CUSTOM = "custom"

#: notify template name -> the setting holding its WeChat template id.
TEMPLATE_ID_SETTINGS = {
    notify.PROGRESS_TEMPLATE: "WECHAT_MP_TPL_PROGRESS",
    notify.STAFF_NEW: "WECHAT_OA_TPL_NEW_COMPLAINT",
    notify.STAFF_DEADLINE: "WECHAT_OA_TPL_DEADLINE",
    notify.CREDENTIAL_EXPIRY: "WECHAT_OA_TPL_CREDENTIAL_EXPIRY",
}

#: notify template name -> {payload field: WeChat template key}. The key's prefix names its type.
DEFAULT_FIELDS: dict[str, dict[str, str]] = {
    notify.PROGRESS_TEMPLATE: {
        "number": "character_string1",
        "status": "phrase2",
        "text": "thing3",
        "time": "time4",
        "store": "thing5",
    },
    notify.STAFF_NEW: {
        "number": "character_string1",
        "store": "thing2",
        "category": "thing3",
        "received": "time4",
        "deadline": "time5",
        "summary": "thing6",
    },
    notify.STAFF_DEADLINE: {
        "number": "character_string1",
        "store": "thing2",
        "summary": "thing3",
        "deadline": "time4",
    },
    notify.CREDENTIAL_EXPIRY: {
        "store": "thing1",
        "kind": "thing2",
        "licence": "character_string3",
        "date": "thing4",
        "when": "thing5",
        "action": "thing6",
    },
}

#: Subscribe-message limits per value type (characters), as WeChat documents them.
LIMITS = {
    "thing": 20,
    "short_thing": 5,
    "phrase": 5,
    "name": 10,  # Chinese; 20 when the name is Latin letters
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "phone_number": 17,
    "car_number": 8,
}
TEMPLATE_VALUE_MAX = 20  # official-account template messages, every type
CUSTOM_TEXT_MAX = 600
AMOUNT_DIGITS = 10
ELLIPSIS = "…"

KEY_PATTERN = re.compile(r"^([a-z_]+?)(\d+)$")
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_BLANKS = re.compile(r"[\s\u3000]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
_NOT_CJK = re.compile(f"[^{CJK}]")
_TIME_TEXT = re.compile(
    r"^\s*(?:(\d{4})\s*[-/年]\s*)?(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\s+(\d{1,2}):(\d{2})"
)
_TIME_OUT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")
_AMOUNT_OUT = re.compile(r"^\d{1,10}(?:\.\d{1,2})?元$")


class FormatError(ValueError):
    """The row cannot become a message WeChat would accept (a configuration or payload problem)."""


@dataclass(frozen=True)
class Rendered:
    channel: str
    template_id: str  # "" when the template's setting is empty
    data: dict[str, str] = field(default_factory=dict)
    page: str = ""  # subscribe: the mini-program page opened from the message
    text: str = ""  # custom: the text


# -- configuration ------------------------------------------------------------------------------------


def fields_for(template: str, config: Mapping) -> dict[str, str]:
    """{payload field: template key} for `template`, WECHAT_TEMPLATE_FIELDS over the defaults."""
    overrides = config.get("WECHAT_TEMPLATE_FIELDS") or {}
    if isinstance(overrides, str):
        overrides = json.loads(overrides)
    fields = overrides.get(template) or DEFAULT_FIELDS.get(template)
    if not fields:
        raise FormatError(f"no field map for template {template!r}")
    return dict(fields)


def template_id_for(template: str, config: Mapping) -> str:
    setting = TEMPLATE_ID_SETTINGS.get(template)
    return str(config.get(setting) or "") if setting else ""


# -- values -------------------------------------------------------------------------------------------


def value_type(key: str) -> str | None:
    """`thing3` -> "thing", `character_string1` -> "character_string"; None for an untyped key."""
    match = KEY_PATTERN.match(key)
    return match.group(1) if match else None


def clean(text) -> str:
    """One line: control characters dropped, line breaks and runs of blanks made one space."""
    text = "" if text is None else str(text)
    return _CONTROL.sub("", _BLANKS.sub(" ", text)).strip()


def cut(text: str, limit: int) -> str:
    """At most `limit` characters; a cut text ends with "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def format_time(value, ref: dt.datetime | None = None) -> str | None:
    """ "YYYY-MM-DD HH:MM" in China time, from a datetime, an ISO string or "[YYYY-]MM-DD HH:MM…".

    Without a year, the year that puts the moment nearest to `ref` is taken (a deadline in early
    January seen in late December is next year's). None when there is no moment to be read.
    """
    ref = (ref or utcnow()).astimezone(CHINA)
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=CHINA)
        return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    text = clean(value)
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is not None and ("T" in text or parsed.tzinfo is not None):
        return format_time(parsed, ref)
    match = _TIME_TEXT.match(text)
    if not match:
        return None
    year, month, day, hour, minute = match.groups()
    years = [int(year)] if year else [ref.year - 1, ref.year, ref.year + 1]
    candidates = []
    for y in years:
        try:
            candidates.append(dt.datetime(y, int(month), int(day), int(hour), int(minute), tzinfo=CHINA))
        except ValueError:
            continue
    if not candidates:
        return None
    best = min(candidates, key=lambda c: abs((c - ref).total_seconds()))
    return best.strftime("%Y-%m-%d %H:%M")


def _amount(value) -> str | None:
    match = re.search(r"-?\d+(?:\.\d+)?", clean(value).replace(",", ""))
    if not match:
        return None
    try:
        amount = Decimal(match.group()).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    if amount < 0 or len(str(int(amount))) > AMOUNT_DIGITS:
        return None
    return f"{amount}元"


def _name(text: str) -> str:
    if re.fullmatch(f"[{CJK}·]+", text):
        return text[: LIMITS["name"]]
    chinese = _NOT_CJK.sub("", text)
    if chinese:
        return chinese[: LIMITS["name"]]
    latin = re.sub(r"^[^A-Za-z]+", "", re.sub(r"[^A-Za-z .]", "", text))
    return re.sub(r"\s+", " ", latin)[:20].rstrip()


def fit(key: str, value, *, channel: str = SUBSCRIBE, ref: dt.datetime | None = None) -> str:
    """`value` shaped to what WeChat takes for `key`'s type; "" when nothing valid can be made of it."""
    kind = value_type(key)
    text = clean(value)
    if kind in ("time", "date"):
        out = format_time(value, ref) or ""
    elif kind == "phrase":
        out = _NOT_CJK.sub("", _PARENTHESES.sub("", text))[: LIMITS["phrase"]]
    elif kind == "name":
        out = _name(text)
    elif kind == "character_string":
        out = re.sub(r"[^\x21-\x7e]", "", text)[: LIMITS["character_string"]]
    elif kind == "number":
        match = re.search(r"-?\d+(?:\.\d+)?", text)
        out = match.group()[: LIMITS["number"]] if match else ""
    elif kind == "letter":
        out = re.sub(r"[^A-Za-z]", "", text)[: LIMITS["letter"]]
    elif kind == "symbol":
        out = "".join(c for c in text if not c.isalnum() and not c.isspace())[: LIMITS["symbol"]]
    elif kind == "amount":
        out = _amount(value) or ""
    elif kind == "phone_number":
        out = re.sub(r"[^\d+\-]", "", text)[: LIMITS["phone_number"]]
    elif kind in LIMITS:  # thing, short_thing, car_number
        out = cut(text, LIMITS[kind])
    else:  # an untyped key (an old-style "keyword1"): plain text
        out = cut(text, TEMPLATE_VALUE_MAX)
    if channel == TEMPLATE and len(out) > TEMPLATE_VALUE_MAX:
        out = (
            cut(out, TEMPLATE_VALUE_MAX)
            if kind in (None, "thing", "car_number")
            else out[:TEMPLATE_VALUE_MAX]
        )
    return out


def problem(key: str, value: str, *, channel: str = SUBSCRIBE) -> str | None:
    """Why WeChat would refuse `value` for `key` (47003), or None. The last check before sending."""
    if not isinstance(value, str) or not value.strip():
        return f"{key}: empty"
    if "\n" in value or "\r" in value:
        return f"{key}: line break"
    if channel == TEMPLATE and len(value) > TEMPLATE_VALUE_MAX:
        return f"{key}: longer than {TEMPLATE_VALUE_MAX}"
    kind = value_type(key)
    if kind in ("time", "date"):
        ok = bool(_TIME_OUT.match(value))
    elif kind == "phrase":
        ok = re.fullmatch(f"[{CJK}]{{1,5}}", value) is not None
    elif kind == "character_string":
        ok = len(value) <= 32 and re.fullmatch(r"[\x21-\x7e]+", value) is not None
    elif kind == "amount":
        ok = bool(_AMOUNT_OUT.match(value))
    elif kind == "name":
        ok = re.fullmatch(f"[{CJK}·]{{1,10}}", value) is not None or (
            re.fullmatch(r"[A-Za-z][A-Za-z .]{0,19}", value) is not None
        )
    elif kind in LIMITS:
        ok = len(value) <= LIMITS[kind]
    elif kind is None or channel == TEMPLATE:
        ok = len(value) <= TEMPLATE_VALUE_MAX
    else:
        return f"{key}: unknown type {kind!r}"
    return None if ok else f"{key}: {value!r} breaks the {kind or 'text'} limit"


# -- messages -----------------------------------------------------------------------------------------


def _data(template: str, payload: Mapping, channel: str, config: Mapping, ref: dt.datetime) -> dict[str, str]:
    data: dict[str, str] = {}
    for source, key in fields_for(template, config).items():
        value = fit(key, payload.get(source), channel=channel, ref=ref)
        if not value and channel == SUBSCRIBE:
            # Every key of a subscribe template must have a value: say "none" in the type's terms.
            kind = value_type(key)
            value = (
                format_time(ref, ref)
                if kind in ("time", "date")
                else fit(key, MESSAGES["empty"], channel=channel) or fit(key, "-", channel=channel)
            )
        if not value:
            if channel == SUBSCRIBE:
                raise FormatError(f"{key}: no valid value for {source!r}")
            continue  # a template message may leave a key out
        data[key] = value
    for key, value in data.items():
        trouble = problem(key, value, channel=channel)
        if trouble:
            raise FormatError(trouble)
    return data


def render(row, config: Mapping | None = None) -> Rendered:
    """The message for an outbox row (`channel`, `template`, `payload`, `created_at`)."""
    if config is None:
        config = current_app.config
    payload = row.payload or {}
    ref = row.created_at or utcnow()
    channel = row.channel
    if channel == CUSTOM:
        text = clean(payload.get("text"))[:CUSTOM_TEXT_MAX]
        if not text:
            raise FormatError("custom message without text")
        return Rendered(CUSTOM, "", text=text)
    if channel not in (SUBSCRIBE, TEMPLATE):
        raise FormatError(f"unknown channel {channel!r}")
    data = _data(row.template, payload, channel, config, ref)
    template_id = template_id_for(row.template, config)
    if channel == SUBSCRIBE:
        return Rendered(SUBSCRIBE, template_id, data, page=str(payload.get("page") or ""))
    return Rendered(TEMPLATE, template_id, data)
