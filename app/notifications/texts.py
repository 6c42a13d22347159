"""Chinese text of notifications that are not about a complaint (those are in `app.complaints.texts`)."""

#: Credential expiry alerts (`credential_alerts`): to the responsible station, and to the merchant.
CREDENTIAL_ALERT = {
    "station": "【证照到期提醒】{store}的{kind}（编号 {number}）{when}（{date}）。请督促商户及时办理延续或更换，并在监管后台更新。",
    "merchant": "【证照到期提醒】您店铺“{store}”的{kind}（编号 {number}）{when}（{date}）。请及时办理，过期后扫码页面将显示“已过期”。",
    "left": "还有 {days} 天到期",
    "today": "今天到期",
    "expired": "已过期 {days} 天",
    # the template message's last line, per recipient (at most 20 characters)
    "station_action": "请督促商户办理延续并在后台更新",
    "merchant_action": "请及时办理，过期后扫码页显示已过期",
}
