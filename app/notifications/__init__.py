"""Notifications: written as outbox rows in the caller's transaction, delivered after commit.

The outbox model (`models`), the rows for each event (`notify`), WeChat message data made to fit
(`format`), delivery with retries and dead letters (`delivery`), the after-commit hooks (`hooks`) and the
RQ job queue (`queue`).

May import: `core`, `consumers`, `staff`, `directory`, `stores` (models), the `wechat` adapter.
"""
