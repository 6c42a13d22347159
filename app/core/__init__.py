"""Core: what every other package stands on.

Configuration (`config`), extensions (`extensions`), the domain error tree (`errors`, messages in `texts`),
Redis wiring with its circuit breaker (`redis_client`), time in UTC and China dates (`timeutil`), shared
column types (`models`), the cookie session (`sessions`), the health probes (`health`) and the geometry of
server-drawn SVG charts and maps (`drawing`).

May import: nothing from the project but `core` itself (and `wechat`'s sandbox constants in `config`).
"""
