"""Station staff and merchant contacts.

People, invitations and WeChat binding (`models`, `people`) and who is at the staff H5 pages with their
signed form tokens (`h5_sessions`), and the Chinese names of the roles (`texts`).

May import: `core`, `audit`, `directory`, `stores`, the `wechat` adapter.
"""
