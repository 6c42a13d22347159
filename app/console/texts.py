"""Chinese text of the console pages, kept together for review; errors are added to
`app.core.texts.ERRORS` at import."""

from app.core.texts import ERRORS

SITE = "一店一码 · 监管后台"

NAV = {
    "index": "首页",
    "stores": "店铺",
    "imports": "批量导入",
    "credentials": "证照到期",
    "integrity": "扫码异常",
    "stations": "站点",
    "staff": "工作人员",
    "figures": "指标",
    "map": "地图",
    "exports": "导出",
    "handoff": "移交12315",
    "replies": "商家回应",
    "review": "内容审核",
    "audit": "操作记录",
    "users": "账号",
}

PAGES = {
    "login_required": ("请先登录", "登录已过期或尚未登录，请重新登录。"),
    "csrf_invalid": ("页面已过期", "表单已失效，请返回刷新页面后重新提交。"),
    "not_found": ("页面不存在", "您访问的内容不存在，或不在本账号的管辖范围内。"),
    "forbidden": ("无权操作", "您的账号没有此项操作权限。"),
    "failed": ("操作未完成", ""),
    "method_not_allowed": ("无法处理", "不支持该请求方式。"),
    "too_large": ("文件过大", "上传的文件不能超过 5 MB。"),
    "import_root_only": ("无权导入", "批量导入会修改全区数据，只有区级中心的操作员或管理员可以使用。"),
    "import_expired": ("预览已过期", "请重新上传文件。"),
    "personal_data_forbidden": ("无权导出个人信息", "只有管理员可以导出投诉人姓名和电话。"),
    "decision_missing": ("请选择处理结果", "请选择“通过”或“驳回”。"),
    "review_decision_missing": ("请选择处理结果", "请选择“可以公示”或“不予公示”。"),
    "review_not_needed": ("无需审核", "该投诉的内容不在人工审核范围内（已通过自动检测，或为举报）。"),
    "import_no_file": ("请选择文件", "请选择一个 .csv 或 .xlsx 文件后再上传。"),
}

DONE = {
    "saved": "已保存。",
    "unchanged": "内容没有变化，未做修改。",
    "reissued": "原店铺码已作废，已换发新码。请尽快打印新海报替换店内张贴的旧码。",
    "user_created": "账号已创建。",
    "user_disabled": "账号已停用。",
    "imported": "导入完成。",
    "staff_added": "工作人员已添加。请为其生成绑定码，对方在公众号中绑定后即可收到投诉提醒。",
    "station_closed": "站点已撤销，今后不会再分派投诉给它。",
    "handed_off": "已记录移交全国12315平台，该案件的办理时限已停止计算。",
    "reply_approved": "已通过，该回应将显示在公示页面。",
    "reply_rejected": "已驳回，商家可修改后重新提交。",
    "review_publish": "已审核：该投诉办结后可以公示（姓名、电话、地址等会自动隐去）。",
    "review_withhold": "已审核：该投诉不予公示。",
    "handed_over": "未办结的投诉已全部转办，站点已撤销。",
    "region_saved": "区域已保存。",
    "circle_saved": "商圈已保存。",
    "staff_unbound": "已解除微信绑定，该微信将不再收到投诉提醒。",
}

FIELDS = {
    "username": "用户名",
    "password": "密码",
    "totp": "动态码",
    "role": "角色",
    "station": "所属站点",
    "reason": "原因",
    "q": "搜索",
}

STATUS = {"active": "有效", "revoked": "已作废"}
IMPORT_KINDS = {"stations": "站点", "stores": "店铺"}
ERRORS.update({"handoff_date_invalid": "请填写移交日期（年-月-日）。"})

SERIES_BY = {"week": "按周", "month": "按月"}
EXPORT_STATES = {
    "queued": "排队中",
    "running": "生成中",
    "ready": "可下载",
    "failed": "失败",
    "expired": "已过期删除",
}
EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel"}
MAP_LAYERS = {"all": "全部图层", "rate": "投诉率", "expired": "证照过期"}

#: The regions and business circles pages (`app.console.directory_views`).
AREAS = {
    "title": "区域与商圈",
    "regions": "区域",
    "circles": "商圈",
    "new_region": "新建区域",
    "new_circle": "新建商圈",
    "no_regions": "本辖区没有区域。",
    "no_circles": "本辖区没有商圈。",
    "region_help": "名称全区唯一；“上级区域”改为另一区域即在树中移动，形成循环会被拒绝。",
    "circle_help": "“所属区域”改为另一区域即移动商圈；“服务站点”决定商圈内店铺的投诉由谁处理。",
}
