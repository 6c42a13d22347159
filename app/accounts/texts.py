"""Chinese text of console accounts and the audit log, kept together for review."""

ROLES = {"administrator": "管理员", "operator": "操作员", "viewer": "只读"}

ERRORS = {
    "login_failed": "用户名或密码错误。",
    "account_locked": "密码连续输错次数过多，账号已锁定，请 {minutes} 分钟后再试。",
    "account_disabled": "该账号已停用，请联系管理员。",
    "totp_required": "请输入身份验证器中的 6 位动态码。",
    "totp_invalid": "动态码错误或已过期，请重新输入。",
    "username_invalid": "用户名只能由 3～32 位小写字母、数字、点、下划线或连字符组成，且以字母开头。",
    "username_taken": "用户名“{username}”已被使用。",
    "password_too_short": "密码至少 {length} 位。",
    "password_too_long": "密码不能超过 {length} 位。",
    "role_invalid": "角色只能是 管理员（administrator）、操作员（operator）或 只读（viewer）。",
    "station_unknown": "站点“{name}”不存在。",
    "station_out_of_scope": "只能在本站及下级站点中创建账号。",
    "user_not_found": "账号“{username}”不存在。",
    "role_too_high": "不能创建或管理比自己权限更高的账号。",
    "cannot_disable_self": "不能停用自己的账号。",
    "no_permission": "您的账号没有此项操作权限。",
    "staff_not_found": "工作人员编号 {staff_id} 不存在。",
}

#: Answers of the official account to a scan of a console login QR, and the console's login page.
QR_LOGIN = {
    "approved": "已确认登录监管后台（账号 {username}）。请回到电脑上点击“我已扫码确认”。如非本人操作，请忽略。",
    "expired": "该登录二维码已失效，请在电脑上刷新后重新扫码。",
    "no_account": "您的微信没有关联监管后台账号，请使用用户名和密码登录，或联系管理员。",
    "waiting": "尚未收到扫码确认，请用已绑定公众号的微信扫码后再点击。",
    "unavailable": "暂时无法使用扫码登录，请使用用户名和密码登录。",
}
