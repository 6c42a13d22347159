"""Development tools: the `make run` server (`server`), the demo city (`demo`), the migration drift check
(`migration_check`) and the local WeChat API emulator (`wechat_emulator`). Never used in production.

May import: anything.
"""
