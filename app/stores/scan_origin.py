"""Where a scan came from, as far as sticker integrity needs it: the store's city, another city, or unknown.

The client address (the surface passes `request.remote_addr`, which honours `TRUSTED_PROXIES`) is looked
up in process in an ip2region xdb file the operator supplies (`SCAN_REGION_XDB`, and `SCAN_REGION_XDB_V6`
for IPv6 clients), read by the project's own binding (`py-ip2region`) and held whole in memory, once per
process. Only the city is compared with the store's (`Region.city`, inherited down the region tree,
`app.directory.cities`), and only the verdict is counted (`scans.count`): neither the address nor the city
of a scan is stored anywhere, in Redis or the database.

Verdicts: `in` (same city), `out` (another city, or a country other than China), `unknown` (the store has
no city, the address is private or reserved, or the data names no city for it). Without a file, or with
one the binding cannot read, nothing is classified and `state()` says why (the console shows it).

The city field of a record depends on the file's structure: xdb 3.0 data reads
"中国|江苏省|盐城市|电信|CN" (country, province, city, ...), xdb 2.0 data "中国|0|江苏省|盐城市|电信"
(country, area, province, city, ...). "0" means unknown in both.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from ip2region import searcher as xdb_searcher
from ip2region import util as xdb_util

from app.stores.texts import SCAN_ORIGIN

log = logging.getLogger(__name__)

IN, OUT, UNKNOWN = "in", "out", "unknown"
VERDICTS = (IN, OUT, UNKNOWN)
HOME_COUNTRY = "中国"
_NOTHING = ("", "0")


def normalize_city(name: str | None) -> str:
    """ "盐城市", " 盐城 " → "盐城": the data and people disagree on the suffix."""
    name = (name or "").strip()
    return name[:-1] if name.endswith("市") and len(name) > 2 else name


@dataclass(frozen=True)
class _Table:
    searcher: xdb_searcher.Searcher
    country_field: int
    city_field: int

    def where(self, packed: bytes) -> tuple[str, str]:
        """(country, city) of a packed address; "" where the data has nothing."""
        fields = self.searcher.search(packed).split("|")

        def pick(i: int) -> str:
            value = fields[i].strip() if i < len(fields) else ""
            return "" if value in _NOTHING else value

        return pick(self.country_field), pick(self.city_field)


@dataclass(frozen=True)
class Locator:
    v4: _Table | None
    v6: _Table | None

    def verdict(self, addr: str | None, store_city: str | None) -> str:
        home = normalize_city(store_city)
        if not home or not addr:
            return UNKNOWN
        try:
            ip = ipaddress.ip_address(addr.strip())
        except ValueError:
            return UNKNOWN
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            return UNKNOWN  # a proxy's or the office's own network: says nothing about the scanner
        table = self.v4 if ip.version == 4 else self.v6
        if table is None:
            return UNKNOWN
        country, city = table.where(ip.packed)
        if country and country != HOME_COUNTRY:
            return OUT
        if not city:
            return UNKNOWN
        return IN if normalize_city(city) == home else OUT


@dataclass(frozen=True)
class State:
    """Whether the out-of-city check is on; `why` (Chinese, for the console) when it is off, `detail`
    (English, for the operator's log and the CLI) what exactly failed."""

    locator: Locator | None
    why: str = ""
    detail: str = ""

    @property
    def on(self) -> bool:
        return self.locator is not None


_states: dict[tuple[str, str], State] = {}
_lock = threading.Lock()


def _open(path: str, expect: int) -> _Table:
    xdb_util.verify_from_file(path)
    header = xdb_util.load_header_from_file(path)
    version = xdb_util.version_from_header(header)
    if version is None or version.id != expect:
        raise ValueError(f"{path} is not an IPv{expect} xdb file")
    content = xdb_util.load_content_from_file(path)
    new_format = header.version >= xdb_util.XdbStructure30
    return _Table(xdb_searcher.new_with_buffer(version, content), 0, 2 if new_format else 3)


def _load(v4_path: str, v6_path: str) -> State:
    if not v4_path and not v6_path:
        return State(None, SCAN_ORIGIN["off_unset"], "SCAN_REGION_XDB is not set")
    try:
        v4 = _open(v4_path, xdb_util.XdbIPv4Id) if v4_path else None
        v6 = _open(v6_path, xdb_util.XdbIPv6Id) if v6_path else None
    except Exception as exc:  # OSError, ValueError, and the binding's bare Exception for an oversized file
        log.error("scan origin check off: cannot read the ip2region file: %s", exc)
        return State(None, SCAN_ORIGIN["off_unreadable"], f"cannot read the ip2region file: {exc}")
    return State(Locator(v4, v6))


def state(config: Mapping) -> State:
    """The check's state for this configuration, loading the files on first use (once per process)."""
    key = (str(config.get("SCAN_REGION_XDB") or ""), str(config.get("SCAN_REGION_XDB_V6") or ""))
    found = _states.get(key)
    if found is None:
        with _lock:
            found = _states.get(key)
            if found is None:
                found = _states[key] = _load(*key)
    return found


def verdict(config: Mapping, addr: str | None, store_city: str | None) -> str | None:
    """`in`, `out` or `unknown` for one scan; None when the check is off (nothing is counted)."""
    locator = state(config).locator
    return None if locator is None else locator.verdict(addr, store_city)
