"""Notifications: written as outbox rows in the caller's transaction, delivered after commit.

The outbox model (`models`), who receives a station alert (`recipients`), the rows for each event
(`notify`), the rows a transaction wrote waiting for its commit (`after_commit`), the after-commit hooks
that queue them (`hooks`), the RQ job queue and its worker (`queue`), WeChat message data made to fit
(`format`) and delivery with retries, dead letters and hand-overs (`delivery`). Within the package:
hooks → queue → delivery → format, notify → recipients, after_commit.

May import: `core`, `consumers`, `staff`, `directory`, `stores`, `complaints` (models and texts), the
`wechat` adapter.
"""
