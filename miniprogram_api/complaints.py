"""Complaint endpoints for consumers: options, filing, "my complaints", and the consumer's actions."""

from __future__ import annotations

import datetime as dt

from flask import request

from app.complaints import access, flow
from app.complaints import options as complaint_options
from app.complaints.filing import service as complaint_filing
from app.complaints.flow import Actor
from app.complaints.presenters import consumer as complaint_views
from app.consumers import inbox, login
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.uploads import photos
from miniprogram_api import schemas, spec
from miniprogram_api.auth import bearer_token, current_consumer, login_required
from miniprogram_api.blueprint import bp
from miniprogram_api.envelope import json_body, ok

MAX_PAGE = 10_000  # far beyond anyone's complaints; bounds the offset the database is asked for


def _actor() -> Actor:
    return Actor("consumer", current_consumer().id, "mp")


def _page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 20))
    except ValueError:
        raise ValidationFailed({"page": "页码应为正整数"}) from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= 50:
        raise ValidationFailed({"page": f"页码应为 1–{MAX_PAGE} 的整数，每页 1–50 条"})
    return page, per_page


@bp.get("/complaint-options")
def options():
    return ok(complaint_options.options())


@bp.post("/stores/<code>/complaints")
def file_complaint(code: str):
    claims = login.verify_token(bearer_token())
    key = complaint_filing.check_key(request.headers.get("Idempotency-Key"))
    body = json_body()
    filed = complaint_filing.submit(
        claims, code, body, key=key, client_addr=complaint_filing.address_hash(request.remote_addr)
    )
    return _filed_answer(filed.answer, replayed=filed.replayed)


def _filed_answer(answer: dict, *, replayed: bool):
    response, status = ok(answer, 201)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, status


@bp.get("/complaints")
@login_required
def my_complaints():
    page, per_page = _page_args()
    return ok(complaint_views.page_of(current_consumer().id, page, per_page))


@bp.get("/complaints/<number>")
@login_required
def complaint_detail(number: str):
    return ok(complaint_views.detail(access.for_view(number, consumer_id=current_consumer().id)))


def _act(number: str, action) -> tuple:
    complaint = access.for_action(number, consumer_id=current_consumer().id)
    action(complaint)
    db.session.commit()
    return ok(complaint_views.detail(complaint))


@bp.post("/complaints/<number>/messages")
@login_required
def add_message(number: str):
    body = json_body()
    evidence = body.get("evidence") or []

    def act(c):
        event = flow.consumer_message(
            c, _actor(), body.get("text") if isinstance(body.get("text"), str) else ""
        )
        if evidence:
            if not isinstance(evidence, list) or len(evidence) > 9:
                raise ValidationFailed({"evidence": "最多 9 张图片"})
            photos.claim_for_complaint(current_consumer().id, evidence, c, event=event)

    return _act(number, act)


@bp.post("/complaints/<number>/withdraw")
@login_required
def withdraw(number: str):
    body = json_body(allow_empty=True)
    reason = body.get("reason") if isinstance(body.get("reason"), str) else ""
    return _act(number, lambda c: flow.withdraw(c, _actor(), reason))


@bp.post("/complaints/<number>/confirm")
@login_required
def confirm(number: str):
    body = json_body()
    resolved = body.get("resolved")
    if not isinstance(resolved, bool):
        raise ValidationFailed({"resolved": "请选择问题是否已解决（true 或 false）"})
    return _act(number, lambda c: flow.confirm(c, _actor(), resolved))


@bp.post("/complaints/<number>/rating")
@login_required
def rating(number: str):
    body = json_body()
    comment = body.get("comment") if isinstance(body.get("comment"), str) else ""
    return _act(number, lambda c: flow.rate(c, _actor(), body.get("rating"), comment))


@bp.post("/complaints/<number>/reopen")
@login_required
def reopen(number: str):
    body = json_body(allow_empty=True)
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    return _act(number, lambda c: flow.reopen(c, _actor(), text))


@bp.post("/complaints/<number>/national-case")
@login_required
def national_case(number: str):
    """The consumer filed the same case on the national 12315 platform: its number there and the date."""
    body = json_body()
    raw = body.get("filed_on")
    try:
        filed_on = dt.date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        filed_on = None
    if filed_on is None:
        raise ValidationFailed({"filed_on": "请填写在全国12315平台投诉的日期，格式如 2026-12-07"})
    number_there = body.get("national_case_number")
    if not isinstance(number_there, str):
        raise ValidationFailed({"national_case_number": "请填写全国12315平台给出的案件编号"})
    return _act(number, lambda c: flow.hand_off_national(c, _actor(), number_there, filed_on))


@bp.post("/subscriptions")
@login_required
def subscriptions():
    body = json_body()
    data = inbox.record_subscriptions(current_consumer().id, body.get("results"))
    db.session.commit()
    return ok(data)


@bp.get("/inbox")
@login_required
def inbox_list():
    page, per_page = _page_args()
    return ok(inbox.page_of(current_consumer().id, page, per_page))


@bp.get("/inbox/unread")
@login_required
def inbox_unread():
    return ok({"unread": inbox.unread_count(current_consumer().id)})


@bp.post("/inbox/read")
@login_required
def inbox_read():
    data = inbox.mark_read(current_consumer().id, json_body())
    db.session.commit()
    return ok(data)


_auth_errors = {401: ["login_required", "token_invalid"]}
_paging = [
    spec.query_param(
        "page", "页码，从 1 开始", schema={"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    ),
    spec.query_param("per_page", "每页条数，1–50", schema={"type": "integer", "minimum": 1, "maximum": 50}),
]
_number = [spec.path_param("number", "投诉编号")]
_CONFLICTS = {
    "reopen": ["invalid_transition", "reopen_used", "reopen_window_passed"],
    "rating": ["invalid_transition", "already_rated"],
    "national-case": ["invalid_transition", "already_handed_off"],
}
spec.operation(
    "get",
    "/complaint-options",
    summary="投诉选项：类别、诉求、类型、字段限制、隐私说明",
    response=schemas.ComplaintOptionsOut,
)
spec.operation(
    "post",
    "/stores/{code}/complaints",
    summary="一键投诉/举报（需登录，需 Idempotency-Key）",
    body=schemas.ComplaintIn,
    response=schemas.ComplaintFiledOut,
    status=201,
    auth=True,
    parameters=[spec.path_param("code", "店铺码")],
    headers=[
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": complaint_filing.KEY_PATTERN.pattern},
            "description": "每次提交生成一个（建议 UUID），重试时原样带上",
        }
    ],
    errors={
        **_auth_errors,
        400: ["idempotency_key_required", "invalid_json"],
        404: ["store_not_found"],
        409: ["idempotency_conflict"],
        410: ["code_revoked"],
        422: ["validation_failed", "content_risky", "complaints_closed_for_store"],
        429: ["rate_limited_hour", "rate_limited_store_day", "rate_limited_address"],
        503: ["no_responsible_station"],
    },
)
spec.operation(
    "get",
    "/complaints",
    summary="我的投诉（分页）",
    response=schemas.ComplaintPageOut,
    auth=True,
    errors=_auth_errors,
    parameters=_paging,
)
spec.operation(
    "get",
    "/complaints/{number}",
    summary="投诉详情与时间线",
    response=schemas.ComplaintDetailOut,
    auth=True,
    parameters=_number,
    errors={**_auth_errors, 404: ["complaint_not_found"]},
)
for _path, _summary, _body in (
    ("messages", "补充说明与图片", schemas.MessageIn),
    ("withdraw", "撤回投诉", schemas.WithdrawIn),
    ("confirm", "确认是否解决", schemas.ConfirmIn),
    ("rating", "评价（1–5 星）", schemas.RatingIn),
    ("reopen", "异议后 7 天内申请重新处理（限一次）", schemas.ReopenIn),
    (
        "national-case",
        "登记已向全国12315平台投诉（编号与日期）；本站处理期限随之停止",
        schemas.NationalCaseIn,
    ),
):
    spec.operation(
        "post",
        f"/complaints/{{number}}/{_path}",
        summary=_summary,
        body=_body,
        response=schemas.ComplaintDetailOut,
        auth=True,
        parameters=_number,
        errors={
            **_auth_errors,
            404: ["complaint_not_found"],
            409: _CONFLICTS.get(_path, ["invalid_transition"]),
            422: ["validation_failed"],
        },
    )
spec.operation(
    "post",
    "/subscriptions",
    summary="记录用户同意的订阅消息模板（每次同意可发送一次）",
    body=schemas.SubscriptionsIn,
    response=schemas.SubscriptionsOut,
    auth=True,
    errors=_auth_errors,
)
spec.operation(
    "get",
    "/inbox",
    summary="站内消息（未能通过订阅消息送达的通知也在这里）；只读取，不改变已读状态",
    response=schemas.InboxPageOut,
    auth=True,
    errors=_auth_errors,
    parameters=_paging,
)
spec.operation(
    "get",
    "/inbox/unread",
    summary="未读消息数（用于角标）",
    response=schemas.InboxUnreadOut,
    auth=True,
    errors=_auth_errors,
)
spec.operation(
    "post",
    "/inbox/read",
    summary="把消息标为已读：指定 ids，或 all: true 全部标为已读；重复调用无副作用",
    body=schemas.InboxReadIn,
    response=schemas.InboxReadOut,
    auth=True,
    errors=_auth_errors,
)
