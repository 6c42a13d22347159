"""Import stations and stores from CSV or Excel files.

`read_table` turns a file into plain rows (CSV in UTF-8 with or without BOM, GB18030 or UTF-16; Excel
.xlsx, first sheet). `import_stations` and `import_stores` check every row first and write only when the
whole file is clean, so a file with any bad row changes nothing; the caller commits or rolls back.

Identity: stations by name, stores by USCC, credentials by (store, kind, number). A value is assigned
only when it differs, so importing the same file twice changes nothing. Commitment terms are versioned:
a changed term supersedes the current row and inserts version + 1; the old row is never edited.

A column that is missing from the file is left alone; a column that is present is the truth, so an
empty cell clears the value (an empty "健康证" cell removes the store's health certificates, an empty
"无理由退货天数" withdraws the no-reason-return pledge).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from app.core import texts
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import today_cn, utcnow
from app.directory.models import BusinessCircle, Region, Station, StationKind
from app.stores import codes, uscc
from app.stores.models import Badge, Commitment, CommitmentKind, Credential, CredentialKind, Industry, Store

Cell = str | dt.date

# --------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    fmt: str = ""  # the format, in Chinese, for the README and for messages


STATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "名称", True, ("站点名称",), "站点全称，全区唯一；按名称识别同一站点"),
    Column(
        "kind",
        "类型",
        True,
        ("站点类型",),
        "12315 投诉举报中心 / 市场监督管理所（市场监管所）/ 消费维权服务站 / 消费维权联络站",
    ),
    Column("parent", "上级站点", aliases=("上级",), fmt="另一站点的名称（可在本文件后面定义或已在系统中）"),
    Column(
        "region", "所属区域", aliases=("区域",), fmt="区域名称，可写上级路径如 滨湖区/湖滨街道；不存在则新建"
    ),
    Column("address", "地址", aliases=("站点地址",)),
    Column(
        "phone", "电话", aliases=("联系电话", "站点电话"), fmt="手机、座机（0510-85123456）或 12315 等短号"
    ),
    Column("circles", "服务商圈", aliases=("商圈",), fmt="该站服务的商圈名称，多个用 | 分隔；不存在则新建"),
)

STORE_COLUMNS: tuple[Column, ...] = (
    Column("name", "店铺名称", True, ("名称", "店名"), "店招名称"),
    Column("uscc", "统一社会信用代码", True, ("信用代码",), "18 位，校验位必须正确；按它识别同一店铺"),
    Column("address", "经营地址", aliases=("地址",)),
    Column(
        "industry",
        "行业",
        fmt="restaurant / food_shop / supermarket / pharmacy / clothing / … 或 餐饮、超市等",
    ),
    Column(
        "region", "所属区域", aliases=("区域",), fmt="区域名称或路径（滨湖区/湖滨街道）；空时取商圈所在区域"
    ),
    Column("circle", "所属商圈", aliases=("商圈",), fmt="已在站点文件中登记的商圈名称"),
    Column("station", "负责站点", aliases=("站点",), fmt="可选，已存在的站点名称；空则按商圈、区域自动确定"),
    Column("latitude", "纬度", fmt="可选，小数，3～54"),
    Column("longitude", "经度", fmt="可选，小数，73～136；须与纬度同时填写"),
    Column("merchant_contact", "商户联系人", aliases=("联系人",)),
    Column("merchant_phone", "商户电话", aliases=("联系电话",), fmt="手机号或座机（0510-85123456）"),
    Column("licence_number", "营业执照编号", fmt="空则不登记；一般即统一社会信用代码"),
    Column("licence_valid_until", "营业执照有效期至", fmt="YYYY-MM-DD；空或“长期”为长期有效"),
    Column("food_licence_number", "食品经营许可证编号", fmt="如 JY13202110012345"),
    Column("food_licence_valid_until", "食品经营许可证有效期至", fmt="YYYY-MM-DD，有编号时必填"),
    Column("drug_licence_number", "药品经营许可证编号", fmt="药店必填，如 苏DA5102001"),
    Column("drug_licence_valid_until", "药品经营许可证有效期至", fmt="YYYY-MM-DD，有编号时必填"),
    Column("medical_device_number", "医疗器械经营备案编号", fmt="第二类医疗器械经营备案凭证编号，长期有效"),
    Column("publication_licence_number", "出版物经营许可证编号", fmt="如 新出发锡字第 0123 号"),
    Column(
        "publication_licence_valid_until", "出版物经营许可证有效期至", fmt="YYYY-MM-DD；空或“长期”为长期有效"
    ),
    Column(
        "health_certificates",
        "健康证",
        fmt="姓名:编号:有效期至，多人用 | 分隔，如 张三:JK2026001:2026-12-31|李四:JK2026002:2027-03-01",
    ),
    Column("return_days", "无理由退货天数", fmt="7～365；空表示不作无理由退货承诺"),
    Column(
        "return_exclusions",
        "退货除外商品",
        aliases=("不适用商品",),
        fmt="多项用 | 或 、 分隔，如 食品|定制商品",
    ),
    Column("return_conditions", "退货条件", fmt="如 商品完好、不影响二次销售"),
    Column("payout_payer", "先行赔付主体", aliases=("赔付主体",), fmt="如 湖滨万悦广场；空为经营者"),
    Column("payout_limit_yuan", "当场赔付限额", aliases=("当场赔付限额元",), fmt="元，如 500"),
    Column("payout_fund", "赔付资金来源", fmt="如 商场先行赔付保证金"),
    Column("first_inquiry", "首问负责", fmt="是 / 否"),
    Column("first_inquiry_hours", "首问答复时限", aliases=("答复时限",), fmt="小时，1～720"),
    Column(
        "badges",
        "荣誉标识",
        aliases=("荣誉",),
        fmt="名称:级别:年度，多个用 | 分隔，如 放心消费示范店:市级:2025",
    ),
)

CREDENTIAL_GROUPS: dict[CredentialKind, tuple[str, ...]] = {
    CredentialKind.BUSINESS_LICENCE: ("licence_number", "licence_valid_until"),
    CredentialKind.FOOD_LICENCE: ("food_licence_number", "food_licence_valid_until"),
    CredentialKind.DRUG_LICENCE: ("drug_licence_number", "drug_licence_valid_until"),
    CredentialKind.MEDICAL_DEVICE_RECORD: ("medical_device_number",),
    CredentialKind.PUBLICATION_LICENCE: ("publication_licence_number", "publication_licence_valid_until"),
    CredentialKind.HEALTH_CERTIFICATE: ("health_certificates",),
}

#: Licences read from a number column and an optional expiry column (CREDENTIAL_GROUPS): kind → whether
#: the expiry date is required. The Chinese name is texts.CREDENTIAL_KINDS[kind].
PERMITS: dict[CredentialKind, bool] = {
    CredentialKind.FOOD_LICENCE: True,  # 5 years
    CredentialKind.DRUG_LICENCE: True,  # 5 years
    CredentialKind.MEDICAL_DEVICE_RECORD: False,  # a filing (备案): no expiry
    CredentialKind.PUBLICATION_LICENCE: False,
}

COMMITMENT_GROUPS: dict[CommitmentKind, tuple[str, ...]] = {
    CommitmentKind.NO_REASON_RETURN: ("return_days", "return_exclusions", "return_conditions"),
    CommitmentKind.FIRST_PAYOUT: ("payout_payer", "payout_limit_yuan", "payout_fund"),
    CommitmentKind.FIRST_INQUIRY: ("first_inquiry", "first_inquiry_hours"),
}

BADGE_KINDS = {
    "放心消费示范店": "model_store",
    "放心消费示范单位": "model_store",
    "放心消费承诺单位": "pledge_unit",
    "共产党员经营户": "party_member",
    "无理由退货承诺单位": "no_reason_return",
    "先行赔付承诺单位": "first_payout",
    "诚信经营示范店": "integrity_model",
}

_STATION_KIND_ALIASES = {
    "12315中心": StationKind.CENTER_12315,
    "投诉举报中心": StationKind.CENTER_12315,
    "12315投诉举报中心": StationKind.CENTER_12315,
    "市场监管所": StationKind.REGULATORY_OFFICE,
    "监管所": StationKind.REGULATORY_OFFICE,
    "市场监督管理所": StationKind.REGULATORY_OFFICE,
    "服务站": StationKind.SERVICE_STATION,
    "维权服务站": StationKind.SERVICE_STATION,
    "联络站": StationKind.LIAISON_STATION,
    "维权联络站": StationKind.LIAISON_STATION,
}

_INDUSTRY_ALIASES = {
    "餐厅": Industry.RESTAURANT,
    "餐馆": Industry.RESTAURANT,
    "餐饮服务": Industry.RESTAURANT,
    "食品": Industry.FOOD_SHOP,
    "食品店": Industry.FOOD_SHOP,
    "商超": Industry.SUPERMARKET,
    "超市零售": Industry.SUPERMARKET,
    "药房": Industry.PHARMACY,
    "医药": Industry.PHARMACY,
    "服饰": Industry.CLOTHING,
    "数码": Industry.ELECTRONICS,
    "电子": Industry.ELECTRONICS,
    "家电": Industry.ELECTRONICS,
}

_YES = {"是", "有", "y", "yes", "true", "1", "√", "承诺"}
_NO = {"否", "无", "n", "no", "false", "0", "×", "不承诺"}
_LONG_TERM = {"长期", "长期有效", "永久", "永久有效", "无固定期限"}

# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str
    position: int = field(default=0, compare=False, repr=False)  # column position, for ordering

    def __str__(self) -> str:
        return f'第 {self.line} 行，"{self.column}" 列：{self.reason}'


@dataclass
class ImportResult:
    subject: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.notes)

    def summary(self) -> str:
        return f"新增 {self.created}，更新 {self.updated}，未变 {self.unchanged}"

    def add(self, line: int, column: str, reason: str, position: int = 0) -> None:
        self.problems.append(Problem(line, column, reason, position))

    def sort_problems(self) -> None:
        self.problems.sort(key=lambda p: (p.line, p.position))


# --------------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------------


@dataclass
class Table:
    """Header cells and data rows, each row with the line (CSV) or row number (Excel) it came from."""

    headers: list[str]
    rows: list[tuple[int, list[Cell]]]

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, object]]) -> Table:
        """Rows given as dicts (English keys or Chinese labels); line numbers count from 2 as in a file."""
        records = list(records)
        headers: list[str] = []
        for rec in records:
            headers.extend(k for k in rec if k not in headers)
        rows = [(i + 2, [_cell(rec.get(h)) for h in headers]) for i, rec in enumerate(records)]
        return cls(headers, rows)


def read_table(path: str | Path) -> Table:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DomainError("import_file_unreadable") from exc
        return read_csv_bytes(data)
    raise DomainError("import_file_type")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text") or GB18030 (Excel, Chinese Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DomainError("import_file_encoding") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DomainError("import_file_encoding") from exc


def read_csv_bytes(data: bytes) -> Table:
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    last_line = 0
    try:
        for raw in reader:
            line = last_line + 1
            last_line = reader.line_num
            values: list[Cell] = [_cell(v) for v in raw]
            if not any(values):
                continue
            if headers is None:
                headers = [str(v) for v in values]
            else:
                rows.append((line, values))
    except csv.Error as exc:
        raise DomainError("import_file_unreadable") from exc
    if headers is None:
        raise DomainError("import_file_empty")
    return Table(headers, rows)


def _read_xlsx(path: Path) -> Table:
    # Late: openpyxl takes about a tenth of a second to import, and only Excel files need it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise DomainError("import_file_unreadable") from exc
    try:
        if not wb.worksheets:
            raise DomainError("import_file_empty")
        headers: list[str] | None = None
        rows: list[tuple[int, list[Cell]]] = []
        for number, raw in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
            values = [_cell(v) for v in raw]
            if not any(values):
                continue
            if headers is None:
                headers = [str(v) for v in values]
            else:
                rows.append((number, values))
    finally:
        wb.close()
    if headers is None:
        raise DomainError("import_file_empty")
    return Table(headers, rows)


def _cell(value: object) -> Cell:
    """A file cell as stripped text, or a date for Excel date cells."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value).replace("\ufeff", "").strip()  # str.strip() also drops the ideographic space


# --------------------------------------------------------------------------------------------------
# Headers and rows
# --------------------------------------------------------------------------------------------------


def _norm_header(text: str) -> str:
    s = str(text).replace("\ufeff", "").strip().lower()
    s = re.sub(r"[（(][^）)]*[）)]", "", s)  # units such as （元） or (小时)
    s = s.replace("license", "licence")
    return re.sub(r"[\s_\-:：]+", "", s)


def _header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for col in columns:
        for name in (col.key, col.label, *col.aliases):
            index.setdefault(_norm_header(name), col)
    return index


class CellError(Exception):
    """A cell that cannot be read; `reason` is the Chinese message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Sheet:
    """The columns a file has: key -> position, and key -> the header text shown in messages."""

    position: dict[str, int]
    shown: dict[str, str]
    extra_from: int  # cells at or after this position are beyond the last header

    def has(self, key: str) -> bool:
        return key in self.position

    def has_any(self, keys: Iterable[str]) -> bool:
        return any(k in self.position for k in keys)


def _map_headers(table: Table, columns: tuple[Column, ...], result: ImportResult) -> _Sheet:
    if not table.rows:
        raise DomainError("import_file_no_rows")
    index = _header_index(columns)
    position: dict[str, int] = {}
    shown: dict[str, str] = {}
    candidates = [n for c in columns for n in (c.key, c.label)]
    for i, header in enumerate(table.headers):
        text = str(header).strip()
        if not text:
            if any(i < len(values) and values[i] != "" for _, values in table.rows):
                result.add(1, f"第 {i + 1} 列", "该列有内容但没有列名，请补上列名或删除该列")
            continue
        col = index.get(_norm_header(text))
        if col is None:
            hint = difflib.get_close_matches(text, candidates, n=1, cutoff=0.5)
            tip = f"，是否想写“{hint[0]}”？" if hint else "，请对照导入模板或 README 中的列说明"
            result.add(1, text, "无法识别的列名" + tip)
            continue
        if col.key in position:
            result.add(1, text, f"与“{shown[col.key]}”重复，同一列只能出现一次")
            continue
        position[col.key] = i
        shown[col.key] = text
    for col in columns:
        if col.required and col.key not in position:
            result.add(1, col.label, f"缺少必填列（列名写作 {col.key} 或 {col.label}）")
    last = max((i for i, h in enumerate(table.headers) if str(h).strip()), default=-1)
    return _Sheet(position, shown, last + 1)


class _Row:
    """One data row: typed getters that record problems against the row's line and column."""

    def __init__(self, line: int, values: list[Cell], sheet: _Sheet, columns: dict[str, Column], result):
        self.line = line
        self.values = values
        self.sheet = sheet
        self.columns = columns
        self.result = result

    def shown(self, key: str) -> str:
        return self.sheet.shown.get(key) or self.columns[key].label

    def problem(self, key: str, reason: str) -> None:
        self.result.add(self.line, self.shown(key), reason, self.sheet.position.get(key, len(self.values)))

    def raw(self, key: str) -> Cell:
        pos = self.sheet.position.get(key)
        if pos is None or pos >= len(self.values):
            return ""
        return self.values[pos]

    def text(self, key: str, max_len: int, *, required: bool = False) -> str:
        value = self.raw(key)
        value = value.isoformat() if isinstance(value, dt.date) else value
        if required and not value:
            self.problem(key, "不能为空")
        elif len(value) > max_len:
            self.problem(key, f"内容过长（{len(value)} 个字符），最多 {max_len} 个字符")
            return value[:max_len]
        return value

    def parse(self, key: str, parser: Callable[[Cell], object], default=None):
        value = self.raw(key)
        if value == "":
            return default
        try:
            return parser(value)
        except CellError as bad:
            self.problem(key, bad.reason)
            return default

    def check_extra_cells(self) -> None:
        extra = [v for v in self.values[self.sheet.extra_from :] if v != ""]
        if extra:
            self.result.add(
                self.line,
                f"第 {self.sheet.extra_from + 1} 列",
                "该行的内容比表头多出 "
                f"{len(extra)} 格，可能是某个内容中含有逗号却没有加英文双引号，导致列错位",
                self.sheet.extra_from,
            )


def _rows(table: Table, sheet: _Sheet, columns: tuple[Column, ...], result: ImportResult):
    by_key = {c.key: c for c in columns}
    for line, values in table.rows:
        row = _Row(line, values, sheet, by_key, result)
        row.check_extra_cells()
        yield row


# --------------------------------------------------------------------------------------------------
# Value parsers (each raises CellError with a Chinese reason)
# --------------------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_SERVICE_NUMBER = re.compile(r"^(?:400|800)-?\d{3}-?\d{4}$")
_SHORT_NUMBER = re.compile(r"^1\d{4}$|^9\d{4}$")  # 12315, 12345, 96xxx hotlines
_NUMBER_TEXT = re.compile(r"^[0-9A-Za-z\-（）()〔〕\[\]第号字]+$")
_NUMBER_TEXT_CN = re.compile(r"^[0-9A-Za-z\-（）()〔〕\[\]\u4e00-\u9fff]+$")
_LIST_SPLIT = re.compile(r"[|｜\n]")
_LOOSE_LIST_SPLIT = re.compile(r"[|｜\n、，,;；]")
_FIELD_SPLIT = re.compile(r"[:：]")

LAT_RANGE = (Decimal("3"), Decimal("54"))
LON_RANGE = (Decimal("73"), Decimal("136"))


class LongTerm:
    """Marker for a date cell that says 长期 (no expiry)."""


def parse_date(value: Cell, *, long_term_ok: bool = False) -> dt.date | type[LongTerm]:
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    if text in _LONG_TERM:
        if long_term_ok:
            return LongTerm
        raise CellError("此处须填写具体日期，不能为“长期”")
    m = _DATE.match(text)
    if not m:
        raise CellError(f"日期“{text}”格式不对，请写成 YYYY-MM-DD，如 2026-12-31")
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise CellError(f"日期“{text}”不存在") from exc
    if not 1980 <= day.year <= 2100:
        raise CellError(f"日期“{text}”的年份不合理")
    return day


def _date(value: Cell) -> dt.date:
    day = parse_date(value)
    assert isinstance(day, dt.date)
    return day


def _permit(row, spec, kind: CredentialKind, until_required: bool) -> None:
    """A licence's number and expiry columns (CREDENTIAL_GROUPS) into `spec.credentials[kind]`."""
    number_col, *until_col = CREDENTIAL_GROUPS[kind]
    label = texts.CREDENTIAL_KINDS[kind.value]
    number = row.text(number_col, 64)
    until = row.parse(until_col[0], _date if until_required else _date_or_long_term) if until_col else None
    given_until = bool(until_col) and row.raw(until_col[0]) != ""
    if number:
        try:
            _number_text(number, f"{label}编号", chinese=kind != CredentialKind.FOOD_LICENCE)
        except CellError as bad:
            row.problem(number_col, bad.reason)
        if until_required and not given_until:
            row.problem(until_col[0], f"有{label}编号时必须填写有效期至（许可证有效期为 5 年）")
        spec.credentials[kind] = [_CredSpec(number, until)]
    elif given_until:
        row.problem(number_col, f"填写了{label}有效期，但没有许可证编号")
    else:
        spec.credentials[kind] = []


def _date_or_long_term(value: Cell) -> dt.date | None:
    day = parse_date(value, long_term_ok=True)
    return None if day is LongTerm else day  # type: ignore[return-value]


def normalize_phone(value: str, *, allow_short: bool = False) -> str:
    text = re.sub(r"[\s　]", "", str(value)).replace("—", "-").replace("－", "-")
    text = re.sub(r"^(?:\+86|0086|86(?=1[3-9]\d{9}$))", "", text)
    text = text.replace("（", "(").replace("）", ")")
    m = re.match(r"^\((0\d{2,3})\)(.*)$", text)
    if m:
        text = f"{m[1]}-{m[2]}"
    if _MOBILE.match(text.replace("-", "")):
        return text.replace("-", "")
    if _LANDLINE.match(text) or _SERVICE_NUMBER.match(text):
        return text
    if allow_short and _SHORT_NUMBER.match(text):
        return text
    raise CellError(f"电话“{value}”格式不对，请填写 11 位手机号或带区号的座机号（如 0510-85123456）")


def _int_in(low: int, high: int, unit: str, what: str) -> Callable[[Cell], int]:
    def parse(value: Cell) -> int:
        text = str(value).strip().removesuffix(unit).strip()
        if not re.fullmatch(r"\d+", text):
            raise CellError(f"{what}应为整数，当前为“{value}”")
        number = int(text)
        if not low <= number <= high:
            raise CellError(f"{what}应在 {low}～{high}{unit} 之间，当前为 {number}")
        return number

    return parse


def _coordinate(low: Decimal, high: Decimal, what: str) -> Callable[[Cell], Decimal]:
    def parse(value: Cell) -> Decimal:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise CellError(f"{what}应为小数，当前为“{value}”") from exc
        if not number.is_finite() or not low <= number <= high:
            raise CellError(
                f"{what}应在 {low}～{high} 之间（中国境内），当前为 {value}；请检查是否把经纬度填反"
            )
        return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    return parse


def _yuan(value: Cell) -> int | float:
    text = str(value).strip().removesuffix("元").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"金额应为数字（单位：元），当前为“{value}”") from exc
    if not amount.is_finite() or amount < 0 or amount > 1_000_000:
        raise CellError(f"金额应在 0～1000000 元之间，当前为 {value}")
    if amount != amount.quantize(Decimal("0.01")):
        raise CellError("金额最多保留两位小数")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _yes_no(value: Cell) -> bool:
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"请填写“是”或“否”，当前为“{value}”")


def _number_text(value: str, what: str, *, chinese: bool = False) -> str:
    """A licence number: letters, digits and hyphens; with `chinese`, also Chinese characters (drug-trade
    licences start with the province, 苏DA..., filings read 苏锡药监械经营备...号)."""
    if len(value) > 64:
        raise CellError(f"{what}过长，最多 64 个字符")
    if not (_NUMBER_TEXT_CN if chinese else _NUMBER_TEXT).match(value):
        allowed = "汉字、字母、数字和连字符" if chinese else "字母、数字和连字符"
        raise CellError(f"{what}“{value}”含有不允许的字符（只能是{allowed}）")
    return value


def split_list(value: str, *, loose: bool = False) -> list[str]:
    parts = (_LOOSE_LIST_SPLIT if loose else _LIST_SPLIT).split(str(value))
    return [p.strip() for p in parts if p.strip()]


def station_kind(value: Cell) -> StationKind:
    text = re.sub(r"\s+", "", str(value)).lower()
    for kind in StationKind:
        if text in (kind.value, re.sub(r"\s+", "", texts.STATION_KINDS[kind.value])):
            return kind
    if text in _STATION_KIND_ALIASES:
        return _STATION_KIND_ALIASES[text]
    choices = "、".join(texts.STATION_KINDS[k.value] for k in StationKind)
    raise CellError(f"站点类型“{value}”无法识别，可填：{choices}")


def industry(value: Cell) -> Industry:
    text = re.sub(r"\s+", "", str(value)).lower()
    for ind in Industry:
        if text in (ind.value, texts.INDUSTRIES[ind.value]):
            return ind
    if text in _INDUSTRY_ALIASES:
        return _INDUSTRY_ALIASES[text]
    choices = "、".join(f"{k}（{v}）" for k, v in texts.INDUSTRIES.items())
    raise CellError(f"行业“{value}”无法识别，可填：{choices}")


def region_path(value: Cell) -> list[str]:
    parts = [p.strip() for p in re.split(r"[/／>]", str(value))]
    if any(not p for p in parts):
        raise CellError("区域路径中有空的层级，请写成 上级区域/区域，如 滨湖区/湖滨街道")
    for p in parts:
        if len(p) > 64:
            raise CellError(f"区域名称“{p[:10]}…”过长，最多 64 个字符")
    return parts


def badge_kind(title: str) -> str:
    return BADGE_KINDS.get(title, "other")


# --------------------------------------------------------------------------------------------------
# Regions (shared by both files)
# --------------------------------------------------------------------------------------------------


@dataclass
class _RegionPlan:
    """Regions named in a file: each with the parent the file gives it (None: no opinion)."""

    parents: dict[str, str | None] = field(default_factory=dict)
    first_line: dict[str, tuple[int, str]] = field(default_factory=dict)

    def add(self, row: _Row, key: str, path: list[str]) -> None:
        for i, name in enumerate(path):
            parent = path[i - 1] if i else None
            known = self.parents.get(name)
            if name not in self.parents or (known is None and parent is not None):
                self.parents[name] = parent
                if parent is not None or name not in self.first_line:
                    self.first_line[name] = (row.line, row.shown(key))
            elif parent is not None and known != parent:
                row.problem(
                    key,
                    f"区域“{name}”的上级与第 {self.first_line[name][0]} 行不一致（“{known}”与“{parent}”）",
                )

    def check(self, result: ImportResult) -> None:
        if not self.parents:
            return
        existing = {
            r.name: r for r in db.session.scalars(sa.select(Region).options(selectinload(Region.parent)))
        }
        effective = {name: (r.parent.name if r.parent else None) for name, r in existing.items()}
        for name, parent in self.parents.items():
            row_line, column = self.first_line[name]
            current = existing.get(name)
            if parent is None:
                continue
            if current is not None and current.parent is not None and current.parent.name != parent:
                result.add(
                    row_line,
                    column,
                    f"区域“{name}”在系统中属于“{current.parent.name}”，与文件中的“{parent}”不一致",
                )
                continue
            effective[name] = parent
        for name in self.parents:
            cycle = find_cycle(name, effective)
            if cycle:
                row_line, column = self.first_line[name]
                result.add(row_line, column, REGION_CYCLE + " → ".join(cycle))

    def apply(self, result: ImportResult) -> dict[str, Region]:
        if not self.parents:
            return {}
        names = set(self.parents) | {p for p in self.parents.values() if p}
        found = {r.name: r for r in db.session.scalars(sa.select(Region).where(Region.name.in_(names)))}
        created = []
        for name in self.parents:
            if name not in found:
                found[name] = Region(name=name)
                db.session.add(found[name])
                created.append(name)
        linked = []
        for name, parent in self.parents.items():
            region = found[name]
            if parent is not None and region.parent is None:
                region.parent = found[parent]
                if name not in created:
                    linked.append(f"{parent}/{name}")
        if created:
            result.notes.append(f"新建区域 {len(created)} 个：" + "、".join(created))
        if linked:
            result.notes.append("补充区域上级：" + "、".join(linked))
        return found


REGION_CYCLE = "区域的上下级形成循环："


def find_cycle(start: str, parents: Mapping[str, str | None]) -> list[str] | None:
    """The names from `start` round to `start` again when following `parents` comes back to it."""
    chain = [start]
    node = parents.get(start)
    while node is not None:
        if node == start:
            return [*chain, node]
        if node in chain:
            return None  # a cycle further up: reported for the names that are on it
        chain.append(node)
        node = parents.get(node)
    return None


def _set(obj, attr: str, value) -> bool:
    """Assign only when the value differs, so an unchanged row leaves updated_at alone."""
    if getattr(obj, attr) != value:
        setattr(obj, attr, value)
        return True
    return False


def _set_rel(obj, attr: str, value) -> bool:
    if getattr(obj, attr) is not value:
        setattr(obj, attr, value)
        return True
    return False


# --------------------------------------------------------------------------------------------------
# Stations
# --------------------------------------------------------------------------------------------------


@dataclass
class _StationSpec:
    line: int
    row: _Row
    name: str
    kind: StationKind | None
    parent: str
    region: list[str]
    address: str
    phone: str
    circles: list[str]


def import_stations(table: Table) -> ImportResult:
    """Check every row, then create or update stations, their regions and the circles they serve."""
    result = ImportResult("站点")
    sheet = _map_headers(table, STATION_COLUMNS, result)
    if not result.ok:
        return result

    specs: list[_StationSpec] = []
    seen: dict[str, int] = {}
    regions = _RegionPlan()
    circle_owner: dict[str, tuple[str, int]] = {}
    for row in _rows(table, sheet, STATION_COLUMNS, result):
        name = row.text("name", 100, required=True)
        kind = row.parse("kind", station_kind)
        if sheet.has("kind") and row.raw("kind") == "":
            row.problem("kind", "不能为空")
        spec = _StationSpec(
            line=row.line,
            row=row,
            name=name,
            kind=kind,
            parent=row.text("parent", 100),
            region=row.parse("region", region_path, default=[]),
            address=row.text("address", 200),
            phone=row.parse("phone", lambda v: normalize_phone(str(v), allow_short=True), default=""),
            circles=[],
        )
        if name:
            if name in seen:
                row.problem("name", f"站点“{name}”与第 {seen[name]} 行重复")
            else:
                seen[name] = row.line
        if spec.parent and spec.parent == name:
            row.problem("parent", "上级站点不能是它自己")
        if spec.region:
            regions.add(row, "region", spec.region)
        for circle in split_list(row.text("circles", 2000)):
            if len(circle) > 100:
                row.problem("circles", f"商圈名称“{circle[:10]}…”过长，最多 100 个字符")
            elif circle in circle_owner and circle_owner[circle][0] != name:
                other, line = circle_owner[circle]
                row.problem(
                    "circles", f"商圈“{circle}”已在第 {line} 行分配给“{other}”，一个商圈只能由一个站点服务"
                )
            elif circle not in spec.circles:
                circle_owner[circle] = (name, row.line)
                spec.circles.append(circle)
        specs.append(spec)

    existing = _stations_by_name({s.name for s in specs} | {s.parent for s in specs if s.parent})
    in_file = {s.name for s in specs if s.name}
    for spec in specs:
        if spec.parent and spec.parent not in in_file and spec.parent not in existing:
            spec.row.problem("parent", f"上级站点“{spec.parent}”不存在（既不在本文件中，也不在系统中）")
    if sheet.has("parent"):
        parents = _station_parent_map()
        for spec in specs:
            if spec.name:
                parents[spec.name] = spec.parent or None
        for spec in specs:
            if spec.parent and spec.parent != spec.name:
                cycle = find_cycle(spec.name, parents)
                if cycle:
                    spec.row.problem("parent", "上级站点形成循环：" + " → ".join(cycle))
    regions.check(result)
    if not result.ok:
        result.sort_problems()
        return result

    region_rows = regions.apply(result)
    by_name = dict(existing)
    changed: set[str] = set()
    created: set[str] = set()
    for spec in specs:
        station = by_name.get(spec.name)
        if station is None:
            station = Station(name=spec.name, kind=spec.kind)
            db.session.add(station)
            by_name[spec.name] = station
            created.add(spec.name)
        dirty = _set(station, "kind", spec.kind)
        if sheet.has("region"):
            dirty |= _set_rel(station, "region", region_rows[spec.region[-1]] if spec.region else None)
        if sheet.has("address"):
            dirty |= _set(station, "address", spec.address)
        if sheet.has("phone"):
            dirty |= _set(station, "phone", spec.phone)
        if dirty:
            changed.add(spec.name)
    if sheet.has("parent"):
        for spec in specs:
            parent = by_name[spec.parent] if spec.parent else None
            if _set_rel(by_name[spec.name], "parent", parent):
                changed.add(spec.name)

    if sheet.has("circles"):
        names = [c for spec in specs for c in spec.circles]
        circles = {
            c.name: c
            for c in db.session.scalars(sa.select(BusinessCircle).where(BusinessCircle.name.in_(names)))
        }
        new_circles = []
        for spec in specs:
            station = by_name[spec.name]
            for name in spec.circles:
                circle = circles.get(name)
                if circle is None:
                    circle = BusinessCircle(name=name, region=station.region, station=station)
                    db.session.add(circle)
                    circles[name] = circle
                    new_circles.append(name)
                    changed.add(spec.name)
                    continue
                if _set_rel(circle, "station", station):
                    changed.add(spec.name)
                if circle.region is None and station.region is not None:
                    circle.region = station.region
                    changed.add(spec.name)
        if new_circles:
            result.notes.append(f"新建商圈 {len(new_circles)} 个：" + "、".join(new_circles))

    db.session.flush()
    result.created = len(created)
    result.updated = len(changed - created)
    result.unchanged = len(specs) - result.created - result.updated
    return result


def _stations_by_name(names: set[str]) -> dict[str, Station]:
    names = {n for n in names if n}
    out: dict[str, Station] = {}
    for chunk in _chunks(sorted(names), 500):
        out.update({s.name: s for s in db.session.scalars(sa.select(Station).where(Station.name.in_(chunk)))})
    return out


def _station_parent_map() -> dict[str, str | None]:
    child = aliased(Station)
    rows = db.session.execute(
        sa.select(child.name, Station.name).outerjoin(Station, child.parent_id == Station.id)
    )
    return {name: parent for name, parent in rows}


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --------------------------------------------------------------------------------------------------
# Stores
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CredSpec:
    number: str
    valid_until: dt.date | None
    holder: str = ""
    holder_is_person: bool = False


@dataclass
class _StoreSpec:
    row: _Row
    uscc: str
    fields: dict = field(default_factory=dict)  # plain store attributes from present columns
    region: list[str] | None = None  # None: column absent
    circle: str | None = None
    station: str | None = None
    credentials: dict[CredentialKind, list[_CredSpec]] = field(default_factory=dict)
    commitments: dict[CommitmentKind, dict | None] = field(default_factory=dict)
    badges: list[tuple[str, str, str, int | None]] | None = None


def import_stores(table: Table, *, today: dt.date | None = None) -> ImportResult:
    """Check every row, then create or update stores with their credentials, commitments and badges."""
    today = today or today_cn()
    result = ImportResult("店铺")
    sheet = _map_headers(table, STORE_COLUMNS, result)
    if not result.ok:
        return result

    specs: list[_StoreSpec] = []
    seen: dict[str, int] = {}
    regions = _RegionPlan()
    for row in _rows(table, sheet, STORE_COLUMNS, result):
        spec = _parse_store(row, sheet, today)
        if spec.uscc:
            if spec.uscc in seen:
                row.problem("uscc", f"统一社会信用代码与第 {seen[spec.uscc]} 行重复，同一店铺只能出现一次")
            else:
                seen[spec.uscc] = row.line
        if spec.region:
            regions.add(row, "region", spec.region)
        specs.append(spec)

    stations = _stations_by_name({s.station for s in specs if s.station})
    circle_names = {s.circle for s in specs if s.circle}
    circles = {
        c.name: c
        for c in db.session.scalars(
            sa.select(BusinessCircle)
            .where(BusinessCircle.name.in_(circle_names))
            .options(selectinload(BusinessCircle.region))
        )
    }
    for spec in specs:
        if spec.station and spec.station not in stations:
            spec.row.problem("station", f"站点“{spec.station}”不存在，请先导入站点文件")
        if spec.circle and spec.circle not in circles:
            spec.row.problem("circle", f"商圈“{spec.circle}”不存在，请先在站点文件的“服务商圈”列中登记")
    regions.check(result)
    if not result.ok:
        result.sort_problems()
        return result

    region_rows = regions.apply(result)
    existing = _stores_by_uscc([s.uscc for s in specs])
    now = utcnow()
    for spec in specs:
        store = existing.get(spec.uscc)
        created = store is None
        if created:
            store = Store(uscc=spec.uscc, name=spec.fields["name"])
            db.session.add(store)
        dirty = False
        for attr, value in spec.fields.items():
            dirty |= _set(store, attr, value)
        if sheet.has("circle"):
            dirty |= _set_rel(store, "circle", circles[spec.circle] if spec.circle else None)
        if sheet.has_any(("region", "circle")):
            region = region_rows[spec.region[-1]] if spec.region else None
            if region is None and not sheet.has("region") and not created:
                region = store.region
            if region is None and spec.circle:
                region = circles[spec.circle].region
            dirty |= _set_rel(store, "region", region)
        if sheet.has("station"):
            dirty |= _set_rel(store, "station", stations[spec.station] if spec.station else None)
        for kind, wanted in spec.credentials.items():
            dirty |= _sync_credentials(store, kind, wanted)
        for kind, terms in spec.commitments.items():
            dirty |= _sync_commitment(store, kind, terms, today, now)
        if spec.badges is not None:
            dirty |= _sync_badges(store, spec.badges)
        if store.active_code is None:
            codes.ensure_code(store)
            dirty = True
        if created:
            result.created += 1
        elif dirty:
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def _parse_store(row: _Row, sheet: _Sheet, today: dt.date) -> _StoreSpec:
    raw_uscc = row.text("uscc", 200, required=True)
    code = uscc.normalize(raw_uscc)
    if raw_uscc:
        reason = uscc.problem(code)
        if reason:
            row.problem("uscc", reason)
            code = ""
    spec = _StoreSpec(row=row, uscc=code)
    spec.fields["name"] = row.text("name", 100, required=True)
    for key, max_len in (("address", 200), ("merchant_contact", 50)):
        if sheet.has(key):
            spec.fields[key] = row.text(key, max_len)
    if sheet.has("industry"):
        spec.fields["industry"] = row.parse("industry", industry, default=Industry.OTHER)
    if sheet.has("merchant_phone"):
        spec.fields["merchant_phone"] = row.parse(
            "merchant_phone", lambda v: normalize_phone(str(v)), default=""
        )
    if sheet.has_any(("latitude", "longitude")):
        lat = row.parse("latitude", _coordinate(*LAT_RANGE, "纬度"))
        lon = row.parse("longitude", _coordinate(*LON_RANGE, "经度"))
        if (row.raw("latitude") == "") != (row.raw("longitude") == ""):
            key = "longitude" if row.raw("longitude") == "" else "latitude"
            row.problem(key, "经度和纬度须同时填写或同时留空")
        spec.fields["latitude"], spec.fields["longitude"] = lat, lon
    if sheet.has("region"):
        spec.region = row.parse("region", region_path, default=[])
    if sheet.has("circle"):
        spec.circle = row.text("circle", 100) or None
    if sheet.has("station"):
        spec.station = row.text("station", 100) or None

    # Credentials
    if sheet.has_any(CREDENTIAL_GROUPS[CredentialKind.BUSINESS_LICENCE]):
        number = row.text("licence_number", 64)
        until = row.parse("licence_valid_until", _date_or_long_term)
        if number:
            try:
                _number_text(number, "营业执照编号")
            except CellError as bad:
                row.problem("licence_number", bad.reason)
            spec.credentials[CredentialKind.BUSINESS_LICENCE] = [_CredSpec(number, until)]
        elif row.raw("licence_valid_until") != "":
            row.problem(
                "licence_number", "填写了营业执照有效期，但没有营业执照编号（一般即统一社会信用代码）"
            )
        else:
            spec.credentials[CredentialKind.BUSINESS_LICENCE] = []
    for kind, until_required in PERMITS.items():
        if sheet.has_any(CREDENTIAL_GROUPS[kind]):
            _permit(row, spec, kind, until_required)
    if sheet.has("health_certificates"):
        spec.credentials[CredentialKind.HEALTH_CERTIFICATE] = _health_certificates(row)

    # Commitments
    if sheet.has_any(COMMITMENT_GROUPS[CommitmentKind.NO_REASON_RETURN]):
        days = row.parse("return_days", _int_in(7, 365, "天", "无理由退货天数"))
        exclusions = split_list(row.text("return_exclusions", 500), loose=True)
        conditions = row.text("return_conditions", 200)
        if row.raw("return_days") == "":
            if exclusions or conditions:
                row.problem("return_days", "填写了退货除外商品或退货条件，但没有填写无理由退货天数")
            spec.commitments[CommitmentKind.NO_REASON_RETURN] = None
        elif days is not None:
            spec.commitments[CommitmentKind.NO_REASON_RETURN] = _terms(
                days=days, exclusions=exclusions, conditions=conditions
            )
    if sheet.has_any(COMMITMENT_GROUPS[CommitmentKind.FIRST_PAYOUT]):
        payer = row.text("payout_payer", 100)
        limit = row.parse("payout_limit_yuan", _yuan)
        fund = row.text("payout_fund", 100)
        has_any = payer or fund or row.raw("payout_limit_yuan") != ""
        spec.commitments[CommitmentKind.FIRST_PAYOUT] = (
            _terms(payer=payer, fast_track_limit_yuan=limit, fund=fund) if has_any else None
        )
    if sheet.has_any(COMMITMENT_GROUPS[CommitmentKind.FIRST_INQUIRY]):
        pledged = row.parse("first_inquiry", _yes_no, default=False)
        hours = row.parse("first_inquiry_hours", _int_in(1, 720, "小时", "首问答复时限"))
        if not pledged and row.raw("first_inquiry_hours") != "":
            row.problem("first_inquiry_hours", "填写了答复时限，但“首问负责”不是“是”")
        spec.commitments[CommitmentKind.FIRST_INQUIRY] = _terms(response_hours=hours) if pledged else None

    if sheet.has("badges"):
        spec.badges = _badges(row, today)
    return spec


def _terms(**values) -> dict:
    """Commitment terms without empty values, so equal pledges compare equal whatever their source."""
    return {k: v for k, v in values.items() if v not in (None, "", [], {})}


def _health_certificates(row: _Row) -> list[_CredSpec]:
    out: list[_CredSpec] = []
    numbers: set[str] = set()
    for i, entry in enumerate(split_list(row.text("health_certificates", 5000)), start=1):
        parts = [p.strip() for p in _FIELD_SPLIT.split(entry)]
        where = f"第 {i} 项“{entry}”"
        if len(parts) != 3 or not all(parts):
            row.problem(
                "health_certificates", f"{where}应写成 姓名:编号:有效期至，如 张三:JK2026001:2026-12-31"
            )
            continue
        holder, number, until = parts
        try:
            if len(holder) > 50:
                raise CellError("姓名过长")
            _number_text(number, "健康证编号")
            day = _date(until)
        except CellError as bad:
            row.problem("health_certificates", f"{where}：{bad.reason}")
            continue
        if number in numbers:
            row.problem("health_certificates", f"{where}：健康证编号 {number} 重复")
            continue
        numbers.add(number)
        out.append(_CredSpec(number, day, holder=holder, holder_is_person=True))
    return out


def _badges(row: _Row, today: dt.date) -> list[tuple[str, str, str, int | None]]:
    out: list[tuple[str, str, str, int | None]] = []
    for i, entry in enumerate(split_list(row.text("badges", 2000)), start=1):
        parts = [p.strip() for p in _FIELD_SPLIT.split(entry)]
        where = f"第 {i} 项“{entry}”"
        if len(parts) > 3 or not parts[0]:
            row.problem(
                "badges", f"{where}应写成 名称:级别:年度，如 放心消费示范店:市级:2025（级别和年度可省略）"
            )
            continue
        title = parts[0]
        level = parts[1] if len(parts) > 1 else ""
        year_text = parts[2] if len(parts) > 2 else ""
        if len(title) > 100 or len(level) > 32:
            row.problem("badges", f"{where}：名称最多 100 个字符，级别最多 32 个字符")
            continue
        year = None
        if year_text:
            year_text = year_text.removesuffix("年度").removesuffix("年")
            if not re.fullmatch(r"\d{4}", year_text) or not 2000 <= int(year_text) <= today.year + 1:
                row.problem("badges", f"{where}：年度应为 2000～{today.year + 1} 之间的四位年份")
                continue
            year = int(year_text)
        item = (badge_kind(title), title, level, year)
        if item in out:
            row.problem("badges", f"{where}：与前面的荣誉重复")
            continue
        out.append(item)
    return out


def _stores_by_uscc(usccs: list[str]) -> dict[str, Store]:
    out: dict[str, Store] = {}
    for chunk in _chunks(sorted(set(usccs)), 500):
        query = (
            sa.select(Store)
            .where(Store.uscc.in_(chunk))
            .options(
                selectinload(Store.credentials),
                selectinload(Store.commitments),
                selectinload(Store.badges),
                selectinload(Store.codes),
            )
        )
        out.update({s.uscc: s for s in db.session.scalars(query)})
    return out


def _sync_credentials(store: Store, kind: CredentialKind, wanted: list[_CredSpec]) -> bool:
    current = {c.number: c for c in store.credentials if c.kind == kind}
    dirty = False
    for spec in wanted:
        cred = current.pop(spec.number, None)
        if cred is None:
            store.credentials.append(
                Credential(
                    kind=kind,
                    number=spec.number,
                    valid_until=spec.valid_until,
                    holder=spec.holder,
                    holder_is_person=spec.holder_is_person,
                )
            )
            dirty = True
            continue
        dirty |= _set(cred, "valid_until", spec.valid_until)
        dirty |= _set(cred, "holder", spec.holder)
        dirty |= _set(cred, "holder_is_person", spec.holder_is_person)
    for stale in current.values():
        store.credentials.remove(stale)  # delete-orphan: the file no longer lists it
        dirty = True
    return dirty


def _sync_commitment(
    store: Store, kind: CommitmentKind, terms: dict | None, today: dt.date, now: dt.datetime
) -> bool:
    same_kind = [c for c in store.commitments if c.kind == kind]
    current = next((c for c in same_kind if c.superseded_at is None), None)
    if current is not None and terms is not None and _terms(**(current.terms or {})) == terms:
        return False
    if current is None and terms is None:
        return False
    if current is not None:
        current.superseded_at = now
    if terms is not None:
        version = max((c.version for c in same_kind), default=0) + 1
        store.commitments.append(Commitment(kind=kind, version=version, terms=terms, effective_from=today))
    return True


def _sync_badges(store: Store, wanted: list[tuple[str, str, str, int | None]]) -> bool:
    current = {(b.title, b.level, b.year): b for b in store.badges}
    dirty = False
    for kind, title, level, year in wanted:
        badge = current.pop((title, level, year), None)
        if badge is None:
            store.badges.append(Badge(kind=kind, title=title, level=level, year=year))
            dirty = True
        else:
            dirty |= _set(badge, "kind", kind)
    for stale in current.values():
        store.badges.remove(stale)
        dirty = True
    return dirty


def column_reference() -> list[tuple[str, str, str, str, str]]:
    """(file, key, label, required, format) rows: the README's import column table."""
    out = []
    for file, columns in (("stations", STATION_COLUMNS), ("stores", STORE_COLUMNS)):
        for col in columns:
            out.append((file, col.key, col.label, "是" if col.required else "", col.fmt))
    return out
