"""Stores and what a scan shows.

Stores, codes, credentials, commitments, badges and scan counts (`models`); public codes (`codes`) and
USCC rules (`uscc`); the page computed for a China calendar day (`snapshot` reads it, `page` shapes it,
`cache` serves it through a per-process layer and Redis, `cache_hooks` forget it after a commit); scan
counting (`scans`, `scan_input`), printable QR codes (`qr_export`), posters as PDF (`posters`) and
search by name, USCC or code (`search`).

May import: `core`, `directory` (models and routing: the responsible station shown on the page and the
poster).
"""
