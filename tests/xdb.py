"""Write small ip2region xdb files for tests: test data the real `py-ip2region` binding reads.

The layout, as the binding reads it (`ip2region/searcher.py`, `util.py`):

- a 256-byte header: structure version (u16: 2 or 3), index policy (u16), created at (u32), first and
  last segment-index pointers (u32 each), IP version (u16: 4 or 6, structure 3 only), pointer bytes (u16);
- a vector index of 256 × 256 cells, 8 bytes each: for the address's first two bytes, the pointers of
  the first and the last segment-index entry of that /16 (zero: no data);
- the region strings (UTF-8), then the segment index: per entry the start and end address (IPv4: u32
  little-endian; IPv6: 16 bytes big-endian), the region's length (u16) and pointer (u32).

Every integer is little-endian. A segment that spans several /16 blocks is split at their edges, since the
vector index finds entries by the first two bytes.
"""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

HEADER = 256
VECTOR = 256 * 256 * 8


def _split(start: int, end: int, bits: int) -> list[tuple[int, int]]:
    block = 1 << (bits - 16)
    parts = []
    while start <= end:
        last = min(end, (start // block + 1) * block - 1)
        parts.append((start, last))
        start = last + 1
    return parts


def write_xdb(path: Path, segments: list[tuple[str, str, str]], *, ip_version: int = 4, structure: int = 3):
    """Write `segments` ((first address, last address, region string), not overlapping) to `path`."""
    bits = 32 if ip_version == 4 else 128
    regions: dict[str, int] = {}
    blob = bytearray()
    data_start = HEADER + VECTOR
    entries: list[tuple[int, int, str]] = []
    for first, last, region in segments:
        a, b = int(ipaddress.ip_address(first)), int(ipaddress.ip_address(last))
        if region not in regions:
            regions[region] = data_start + len(blob)
            blob += region.encode()
        entries.extend((s, e, region) for s, e in _split(a, b, bits))
    entries.sort()
    entry_size = 14 if ip_version == 4 else 38
    index_start = data_start + len(blob)
    index = bytearray()
    vector: dict[tuple[int, int], list[int]] = {}
    for n, (s, e, region) in enumerate(entries):
        size = len(region.encode())
        if ip_version == 4:
            index += struct.pack("<IIHI", s, e, size, regions[region])
        else:
            index += s.to_bytes(16, "big") + e.to_bytes(16, "big") + struct.pack("<HI", size, regions[region])
        ptr = index_start + n * entry_size
        cell = vector.setdefault(((s >> (bits - 8)) & 0xFF, (s >> (bits - 16)) & 0xFF), [ptr, ptr])
        cell[1] = ptr
    header = struct.pack(
        "<HHIIIHH",
        structure,
        1,
        1_700_000_000,
        index_start,
        index_start + max(len(index) - entry_size, 0),
        ip_version if structure >= 3 else 0,
        4,
    ).ljust(HEADER, b"\0")
    vector_bytes = bytearray(VECTOR)
    for (i0, i1), (s_ptr, e_ptr) in vector.items():
        struct.pack_into("<II", vector_bytes, (i0 * 256 + i1) * 8, s_ptr, e_ptr)
    Path(path).write_bytes(header + vector_bytes + blob + index)
    return Path(path)
