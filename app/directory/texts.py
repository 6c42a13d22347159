"""Chinese texts of the directory's forms for regions and business circles (`app.directory.areas`)."""

from __future__ import annotations

REGION_LABELS = {"name": "区域名称", "parent": "上级区域", "city": "所在城市"}
CIRCLE_LABELS = {"name": "商圈名称", "region": "所属区域", "station": "服务站点"}
REGION_FORMATS = {
    "name": "一级区域的名称，不含 /",
    "parent": "上级区域的名称或路径（滨湖区/湖滨街道）；改为另一区域即在树中移动",
    "city": "区域所在的地级市，如“盐城市”，用于判断扫码是否来自外地；留空则沿用上级区域的城市",
}
CIRCLE_FORMATS = {
    "name": "商圈名称，全区唯一",
    "region": "区域名称或路径（滨湖区/湖滨街道），须已存在；可留空",
    "station": "负责该商圈的站点名称",
}

AREA_ERRORS = {
    "bad_characters": "内容包含无效字符",
    "too_long": "内容过长",
    "required": "请填写",
    "one_level": "区域名称不能包含 /，上级区域请填在“上级区域”中",
    "region_exists": "区域“{name}”已存在",
    "circle_exists": "商圈“{name}”已存在",
    "circle_too_long": "商圈名称过长，最多 100 个字符",
    "region_missing": "区域“{name}”不存在，请先新建",
    "circle_missing": "商圈“{name}”不存在",
    "station_missing": "站点“{name}”不存在",
    "station_closed": "站点“{name}”已撤销",
    "region_out_of_scope": "请选择本辖区内的区域",
    "station_out_of_scope": "请选择本站或下级站点",
    "parent_required": "请选择本辖区内的区域作为上级",
    "own_region_parent": "不能改变本账号所在区域的上级",
    "bad_city": "城市名称应为 2 至 20 个汉字，如“盐城市”",
}
