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
}
