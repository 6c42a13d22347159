"""Chinese text of the stores package that is not a store page's (those live in `page.py`)."""

SCAN_ORIGIN = {
    "off_unset": "系统未配置 IP 归属地数据文件，无法判断扫码来自哪个城市，异地扫码检查未开启。如需开启，请联系系统运维人员。",
    "off_unreadable": "IP 归属地数据文件无法读取，异地扫码检查未开启。请联系系统运维人员检查该文件。",
}

# `flask scans integrity`: one line per finding, then the section's empty sentence when there is none.
INTEGRITY_CLI = {
    "jumps": "扫码量突增（近 {recent} 天某天不少于 {min} 次，且超过此前 {history} 天日均的 {factor} 倍）：",
    "jump": "{name}\t{code}\t{day}\t当日扫码 {scans} 次\t此前日均 {average}",
    "no_jumps": "没有发现扫码量异常的店铺。",
    "still": "已作废但仍被扫描的店铺码（近 {days} 天）：",
    "still_row": "{name}\t{code}\t扫码 {scans} 次\t最近一次 {day}",
    "no_still": "没有仍被扫描的作废店铺码。",
    "away": "异地扫码为主（近 {recent} 天某天可判断来源的扫码不少于 {min} 次，且超过 {share}% 来自店铺所在城市以外）：",
    "away_row": "{name}\t{code}\t{day}\t异地 {away} 次 / 可判断 {counted} 次（{percent}%）\t来源不明 {unknown} 次",
    "no_away": "没有异地扫码为主的店铺。",
}
