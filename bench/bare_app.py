"""The yardstick: a bare Flask JSON endpoint, served by the same gunicorn settings as the app.

It answers the same path as the store page (`/api/mp/v1/stores/<code>`) so the load generator, its URL
list and its request sizes are identical in both runs; only the view's work differs.
"""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/api/mp/v1/stores/<code>")
def store_page(code: str):
    return jsonify(data={"code": code, "name": "bare", "ok": True})


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")
