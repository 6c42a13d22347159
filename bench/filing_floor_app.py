"""The floor under filing: only the I/O a filing cannot avoid, with none of its logic.

`python bench/complaint_filing.py --floor` measures this app in the same run as the bare endpoint and the
real one, to show how much of the 0.2 budget the unavoidable exchanges alone take on this machine:

- new request: the consumer's signed token checked (itsdangerous, as app.services.auth), JSON body, one
  Redis round trip (stored answer? claim the key), one transaction on PostgreSQL through SQLAlchemy Core
  with the app's pool settings (one read: the store behind the code and the consumer's openid; then
  msgSecCheck over HTTP to the emulator on a pooled keep-alive connection, token fetched once per
  process; then one row inserted), one Redis round trip (answer stored, claim dropped);
- replay: token, one Redis round trip, the stored bytes answered as they are.

No validation, routing, limits, deadlines, timeline, notifications or job: whatever the app spends beyond
this floor is its logic. Table `floor_filings` is created by the benchmark beforehand.
"""

from __future__ import annotations

import json
import os
import secrets
import time

import redis
import sqlalchemy as sa
import urllib3
from flask import Flask, Response, request
from itsdangerous import URLSafeSerializer

from app.services.auth import TOKEN_SALT

app = Flask(__name__)
_engine = sa.create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,  # the app's pool settings (app.config)
    pool_size=5,
    max_overflow=10,
)
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])
_http = urllib3.PoolManager(num_pools=2, maxsize=8, retries=False, timeout=5.0)
_base = os.environ["WECHAT_API_BASE"].rstrip("/") + "/"
_token: str | None = None
_tokens = URLSafeSerializer(os.environ["SECRET_KEY"], salt=TOKEN_SALT)

_meta = sa.MetaData()
_codes = sa.Table("store_codes", _meta, sa.Column("code", sa.String), sa.Column("store_id", sa.Integer))
_consumers = sa.Table("consumers", _meta, sa.Column("id", sa.Integer), sa.Column("openid", sa.String))
_floor = sa.Table(
    "floor_filings",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("consumer", sa.String),
    sa.Column("key", sa.String),
    sa.Column("store_id", sa.Integer),
    sa.Column("description", sa.Text),
)
_READ = sa.select(_codes.c.store_id, _consumers.c.openid).where(
    _codes.c.code == sa.bindparam("code"), _consumers.c.id == sa.bindparam("cid")
)
_INSERT = sa.insert(_floor).returning(_floor.c.id)


def _access_token() -> str:
    global _token
    if _token is None:
        body = {
            "grant_type": "client_credential",
            "appid": os.environ["WECHAT_MP_APPID"],
            "secret": os.environ["WECHAT_MP_SECRET"],
        }
        res = _http.request("POST", _base + "cgi-bin/stable_token", body=json.dumps(body).encode())
        _token = json.loads(res.data)["access_token"]
    return _token


def _answer(raw: bytes) -> Response:
    return Response(raw, 201, mimetype="application/json")


@app.post("/api/mp/v1/stores/<code>/complaints")
def file(code: str):
    cid = _tokens.loads(request.headers["Authorization"].removeprefix("Bearer "))["cid"]
    body = request.get_json()
    who = str(cid)
    akey, ckey = f"fl:a:{who}:{request.headers['Idempotency-Key']}", f"fl:c:{who}"
    pipe = _redis.pipeline(transaction=False)
    pipe.get(akey)
    pipe.set(ckey + akey, b"1", nx=True, px=15_000)
    stored, claimed = pipe.execute()
    for _ in range(0 if claimed else 500):  # a copy being filed: wait for its answer (no CPU spent)
        if stored is not None:
            break
        time.sleep(0.01)
        stored = _redis.get(akey)
    if stored is not None:
        return _answer(stored)
    with _engine.begin() as conn:
        store_id, openid = conn.execute(_READ, {"code": code, "cid": cid}).one()
        check = {"content": body["description"], "version": 2, "scene": 1, "openid": openid}
        res = _http.request(
            "POST",
            f"{_base}wxa/msg_sec_check?access_token={_access_token()}",
            body=json.dumps(check).encode(),
            headers={"Content-Type": "application/json"},
        )
        suggest = json.loads(res.data)["result"]["suggest"]
        row_id = conn.execute(
            _INSERT,
            {"consumer": who, "key": akey, "store_id": store_id, "description": body["description"]},
        ).scalar_one()
    raw = json.dumps(
        {"code": "ok", "data": {"number": f"F{row_id}{secrets.token_hex(3)}", "check": suggest}}
    ).encode()
    pipe = _redis.pipeline(transaction=False)
    pipe.set(akey, raw, ex=86400)
    pipe.delete(ckey + akey)
    pipe.execute()
    return _answer(raw)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
