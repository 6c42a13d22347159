"""The audit log: every change made in the console or the CLI, who made it, when, before and after.

`models.AuditEntry` rows are only inserted (the ORM refuses updates and deletes); `log.record` writes one in
the caller's transaction, so an entry exists exactly when its change was committed. `log.Actor` names who
acted and through which surface. Nothing here is ever shown for editing.

May import: `core` only (so every domain package may record).
"""
