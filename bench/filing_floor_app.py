"""The floor under filing: only the I/O a filing cannot avoid, with none of its logic.

`python bench/complaint_filing.py --floor` measures these apps in the same run as the bare endpoint and
the real one, to show how much of the 0.2 budget the unavoidable exchanges alone take on this machine.

Both answer `POST /api/mp/v1/stores/<code>/complaints` like the app:

- new request: the consumer's signed token checked (itsdangerous, as app.consumers.login), JSON body, one
  Redis round trip (stored answer? claim the key), one transaction on PostgreSQL (one read: the store
  behind the code and the consumer's openid; msgSecCheck over HTTP to the emulator on a kept-alive
  connection, token fetched once per process; one row inserted), one Redis round trip (answer stored,
  claim dropped);
- replay: token, one Redis round trip, the stored bytes answered as they are; a copy sent while the
  first is being filed sleeps until its answer is stored.

`app` is written the way the real app is built: SQLAlchemy Core with the app's pool settings (pre-ping),
urllib3's pool. `raw_app` is the leanest Python there is for the same exchanges: one psycopg connection
per process (no SQLAlchemy, no pre-ping) and http.client. No validation, routing, limits, deadlines,
timeline, notifications or job: whatever the real app spends beyond these floors is its logic.
Table `floor_filings` is created by the benchmark beforehand.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import time
from urllib.parse import urlsplit

import psycopg
import redis
import sqlalchemy as sa
import urllib3
from flask import Flask, Response, request
from itsdangerous import URLSafeSerializer

from app.consumers.login import TOKEN_SALT

DSN = os.environ["DATABASE_URL"]
API = urlsplit(os.environ["WECHAT_API_BASE"])
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])
_tokens = URLSafeSerializer(os.environ["SECRET_KEY"], salt=TOKEN_SALT)
_wx_token: dict[str, str] = {}

#: Written once with named parameters: SQLAlchemy's text() takes `:name`, psycopg `%(name)s`.
READ_SQL = (
    "SELECT sc.store_id, c.openid FROM store_codes sc, consumers c WHERE sc.code = :code AND c.id = :cid"
)
INSERT_SQL = (
    "INSERT INTO floor_filings (consumer, key, store_id, description) VALUES (:who, :key, :store, :d)"
    " RETURNING id"
)


def _psycopg(sql: str) -> str:
    return re.sub(r":(\w+)", r"%(\1)s", sql)


_RAW_READ, _RAW_INSERT = _psycopg(READ_SQL), _psycopg(INSERT_SQL)


def _claim() -> tuple[str, dict, str, bytes | None]:
    """(consumer id, body, answer key, stored answer or None to file it now)."""
    cid = str(_tokens.loads(request.headers["Authorization"].removeprefix("Bearer "))["cid"])
    body = request.get_json()
    akey = f"fl:a:{cid}:{request.headers['Idempotency-Key']}"
    pipe = _redis.pipeline(transaction=False)
    pipe.get(akey)
    pipe.set("fl:c:" + akey, b"1", nx=True, px=15_000)
    stored, claimed = pipe.execute()
    for _ in range(0 if claimed else 500):  # a copy being filed: wait for its answer (no CPU spent)
        if stored is not None:
            break
        time.sleep(0.01)
        stored = _redis.get(akey)
    return cid, body, akey, stored


def _remember(akey: str, row_id: int, suggest: str) -> Response:
    raw = json.dumps(
        {"code": "ok", "data": {"number": f"F{row_id}{secrets.token_hex(3)}", "check": suggest}}
    ).encode()
    pipe = _redis.pipeline(transaction=False)
    pipe.set(akey, raw, ex=86400)
    pipe.delete("fl:c:" + akey)
    pipe.execute()
    return _answer(raw)


def _answer(raw: bytes) -> Response:
    return Response(raw, 201, mimetype="application/json")


def _check_body(content: str, openid: str) -> bytes:
    return json.dumps({"content": content, "version": 2, "scene": 1, "openid": openid}).encode()


def _token_body() -> bytes:
    return json.dumps(
        {
            "grant_type": "client_credential",
            "appid": os.environ["WECHAT_MP_APPID"],
            "secret": os.environ["WECHAT_MP_SECRET"],
        }
    ).encode()


# -- as the app is built: SQLAlchemy Core, the app's pool settings, urllib3 -------------------------

app = Flask(__name__)
_engine = sa.create_engine(
    DSN.replace("postgresql://", "postgresql+psycopg://", 1),
    pool_pre_ping=True,  # the app's pool settings (app.config)
    pool_size=5,
    max_overflow=10,
)
_pool = urllib3.PoolManager(num_pools=2, maxsize=8, retries=False, timeout=5.0)
_READ, _INSERT = sa.text(READ_SQL), sa.text(INSERT_SQL)


def _pool_post(path: str, body: bytes) -> dict:
    res = _pool.request(
        "POST", f"{API.scheme}://{API.netloc}{path}", body=body, headers={"Content-Type": "application/json"}
    )
    return json.loads(res.data)


@app.post("/api/mp/v1/stores/<code>/complaints")
def file(code: str):
    cid, body, akey, stored = _claim()
    if stored is not None:
        return _answer(stored)
    if "sa" not in _wx_token:
        _wx_token["sa"] = _pool_post("/cgi-bin/stable_token", _token_body())["access_token"]
    with _engine.begin() as conn:
        store_id, openid = conn.execute(_READ, {"code": code, "cid": int(cid)}).one()
        check = _pool_post(
            f"/wxa/msg_sec_check?access_token={_wx_token['sa']}", _check_body(body["description"], openid)
        )
        row_id = conn.execute(
            _INSERT, {"who": cid, "key": akey, "store": store_id, "d": body["description"]}
        ).scalar_one()
    return _remember(akey, row_id, check["result"]["suggest"])


# -- the leanest Python for the same exchanges: raw psycopg, http.client -----------------------------

raw_app = Flask(__name__)
_raw: dict[str, object] = {}


def _raw_post(path: str, body: bytes) -> dict:
    conn = _raw.get("http")
    if conn is None:
        conn = _raw["http"] = http.client.HTTPConnection(API.hostname, API.port, timeout=5)
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    return json.loads(conn.getresponse().read())


@raw_app.post("/api/mp/v1/stores/<code>/complaints")
def raw_file(code: str):
    cid, body, akey, stored = _claim()
    if stored is not None:
        return _answer(stored)
    if "raw" not in _wx_token:
        _wx_token["raw"] = _raw_post("/cgi-bin/stable_token", _token_body())["access_token"]
    pg = _raw.get("pg")
    if pg is None:
        pg = _raw["pg"] = psycopg.connect(DSN)
    with pg.transaction():
        store_id, openid = pg.execute(_RAW_READ, {"code": code, "cid": int(cid)}).fetchone()
        check = _raw_post(
            f"/wxa/msg_sec_check?access_token={_wx_token['raw']}", _check_body(body["description"], openid)
        )
        row = {"who": cid, "key": akey, "store": store_id, "d": body["description"]}
        row_id = pg.execute(_RAW_INSERT, row).fetchone()[0]
    return _remember(akey, row_id, check["result"]["suggest"])


@app.get("/healthz")
@raw_app.get("/healthz", endpoint="healthz")
def healthz():
    return {"status": "ok"}
