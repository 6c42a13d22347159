"""Console accounts: who may use the regulators' web console.

Accounts belong to a station and see only its subtree; a role says what they may do (`models`,
`service`: creating, disabling, password login with lockout, optional TOTP, scopes). The signed console
session with its CSRF token (`sessions`). Login by scanning the official account's QR with a bound
WeChat (`qr_login`). Chinese texts in `texts`. (What accounts did is in `app.audit`.)

May import: `core`, `audit`, `directory` (stations and their tree), `stores` (which stores a scope covers),
`staff` (models: the bound person behind a QR login).
"""
