"""Consumers: the people who scan and complain through the mini-program.

Consumers, their inbox and subscribe-message allowances (`models`); mini-program login and signed
tokens (`login`), phone binding (`phone`), the in-app inbox (`inbox`).

May import: `core`, the `wechat` adapter.
"""
