"""Anonymous scan endpoints: the store page and turning what WeChat gave into a store code."""

from __future__ import annotations

from flask import request

from app.stores import cache, scan_input
from miniprogram_api import schemas, spec
from miniprogram_api.blueprint import bp
from miniprogram_api.envelope import ok, raw_ok


@bp.get("/stores/<code>")
def store_page(code: str):
    return raw_ok(cache.get_page_json(code, client_addr=request.remote_addr))


@bp.get("/scan")
def scan():
    code = scan_input.code_from(q=request.args.get("q"), scene=request.args.get("scene"))
    return ok({"code": code, "store_path": f"/api/mp/v1/stores/{code}"})


spec.operation(
    "get",
    "/stores/{code}",
    summary="店铺公示页（扫码，无需登录）",
    response=schemas.StorePageOut,
    parameters=[spec.path_param("code", "店铺码")],
    errors={404: ["store_not_found"], 410: ["code_revoked"]},
)
spec.operation(
    "get",
    "/scan",
    summary="将微信传入的 q（普通链接二维码）或 scene（小程序码）解析为店铺码",
    response=schemas.ScanOut,
    parameters=[
        spec.query_param("q", "扫码得到的 URL（URL 编码）"),
        spec.query_param("scene", "小程序码 scene"),
    ],
    errors={404: ["scan_unrecognised"]},
)
