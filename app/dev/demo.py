"""The demo city: one district, its 12315 centre, two regulatory offices, a mall, a pedestrian street, a
farmers' market with a liaison station, and 55 stores with credentials, commitments and badges.

Everything goes through the importer (`app.directory.importing`), so the demo also exercises it, and
seeding twice on the same day changes nothing. Credential dates are absolute dates computed from the
seed day (China's calendar), so some are expired and some expire within 30 days when the demo is shown;
seeding again on a later day moves only those dates. The random generator is seeded: same day, same city.
The caller commits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.accounts import service as accounts
from app.accounts.models import ConsoleRole, ConsoleUser
from app.audit.log import Actor
from app.core.extensions import db
from app.core.timeutil import today_cn
from app.directory import importing
from app.directory.importing import ImportResult, Table
from app.directory.models import Region, Station
from app.stores import uscc
from app.stores.models import Store

SEED = 20260415
DISTRICT = "滨湖区"
CITY = "无锡市"  # the district's city, for the out-of-city scan check (regions below inherit it)
REGION_CODE = "320211"
CENTRE = "滨湖区12315投诉举报中心"
OFFICE_HUBIN = "湖滨市场监督管理所"
OFFICE_XINCHENG = "新城市场监督管理所"
MALL = "湖滨万悦广场"
MALL_STATION = "湖滨万悦广场消费维权服务站"
STREET = "清风里步行街"
STREET_STATION = "清风里步行街消费维权服务站"
MARKET = "翠苑农贸市场"
LIAISON = "翠苑社区消费维权联络站"
HUBIN = f"{DISTRICT}/湖滨街道"
XINCHENG = f"{DISTRICT}/新城街道"


def station_records() -> list[dict]:
    # Children first: the importer resolves parents defined later in the same file.
    return [
        {
            "name": MALL_STATION,
            "kind": "service_station",
            "parent": OFFICE_HUBIN,
            "region": HUBIN,
            "address": "湖滨路 100 号湖滨万悦广场 1 层客服中心",
            "phone": "0510-85206315",
            "circles": MALL,
        },
        {
            "name": STREET_STATION,
            "kind": "service_station",
            "parent": OFFICE_XINCHENG,
            "region": XINCHENG,
            "address": "清风里步行街 1 号游客服务中心",
            "phone": "0510-85337315",
            "circles": STREET,
        },
        {
            "name": LIAISON,
            "kind": "liaison_station",
            "parent": OFFICE_XINCHENG,
            "region": XINCHENG,
            "address": "翠苑路 18 号翠苑农贸市场管理办公室",
            "phone": "0510-85339012",
            "circles": MARKET,
        },
        {
            "name": OFFICE_HUBIN,
            "kind": "regulatory_office",
            "parent": CENTRE,
            "region": HUBIN,
            "address": "湖滨路 266 号",
            "phone": "0510-85201234",
            "circles": "",
        },
        {
            "name": OFFICE_XINCHENG,
            "kind": "regulatory_office",
            "parent": CENTRE,
            "region": XINCHENG,
            "address": "新城大道 58 号",
            "phone": "0510-85331234",
            "circles": "",
        },
        {
            "name": CENTRE,
            "kind": "center_12315",
            "parent": "",
            "region": DISTRICT,
            "address": "滨湖大道 1 号区政务服务中心 2 楼",
            "phone": "0510-85512315",
            "circles": "",
        },
    ]


# name, industry, where ("mall"/"street"/"market"/"hubin"/"xincheng"), unit, legal form ("91" company, "92" sole trader)
_STORES: tuple[tuple[str, str, str, str, str], ...] = (
    ("万悦生活超市", "supermarket", "mall", "B1-01", "91"),
    ("麦香园烘焙", "food_shop", "mall", "B1-12", "92"),
    ("果然鲜水果", "food_shop", "mall", "B1-15", "92"),
    ("茶语时光", "restaurant", "mall", "B1-18", "92"),
    ("阿婆卤味", "food_shop", "mall", "B1-21", "92"),
    ("甜心坊甜品", "restaurant", "mall", "B1-23", "92"),
    ("悦步鞋履", "clothing", "mall", "L1-05", "92"),
    ("花漾美妆", "other", "mall", "L1-08", "91"),
    ("金满堂珠宝", "other", "mall", "L1-10", "91"),
    ("明视眼镜", "other", "mall", "L1-16", "92"),
    ("素锦女装", "clothing", "mall", "L2-03", "92"),
    ("简约男装", "clothing", "mall", "L2-07", "92"),
    ("暖衣坊内衣", "clothing", "mall", "L2-11", "92"),
    ("动感运动", "clothing", "mall", "L2-15", "91"),
    ("牛仔部落", "clothing", "mall", "L2-18", "92"),
    ("雅致旗袍定制", "clothing", "mall", "L2-22", "92"),
    ("童趣童装", "clothing", "mall", "L3-02", "92"),
    ("小脚丫童鞋", "clothing", "mall", "L3-05", "92"),
    ("智选数码", "electronics", "mall", "L3-09", "91"),
    ("积木乐园玩具", "other", "mall", "L3-12", "92"),
    ("书香阁书店", "other", "mall", "L3-15", "91"),
    ("蜀香阁火锅", "restaurant", "mall", "L4-01", "91"),
    ("湘里人家", "restaurant", "mall", "L4-05", "92"),
    ("粤港茶餐厅", "restaurant", "mall", "L4-08", "92"),
    ("江南面馆", "restaurant", "mall", "L4-11", "92"),
    ("禾田寿司", "restaurant", "mall", "L4-13", "92"),
    ("韩味烤肉", "restaurant", "mall", "L4-16", "91"),
    ("西北面食坊", "restaurant", "mall", "L4-18", "92"),
    ("一品鲜小笼", "restaurant", "mall", "L4-21", "92"),
    ("泰香泰国菜", "restaurant", "mall", "L4-23", "92"),
    ("披萨工坊", "restaurant", "mall", "L4-25", "92"),
    ("清风里老茶馆", "restaurant", "street", "3", "92"),
    ("王记生煎", "restaurant", "street", "7", "92"),
    ("老城糖画", "food_shop", "street", "11", "92"),
    ("李记酱排骨", "food_shop", "street", "15", "92"),
    ("清风泥塑工艺坊", "other", "street", "19", "92"),
    ("太湖三白酒家", "restaurant", "street", "23", "91"),
    ("清风里丝巾坊", "clothing", "street", "27", "92"),
    ("布衣坊汉服", "clothing", "street", "31", "92"),
    ("福寿堂大药房", "pharmacy", "street", "35", "91"),
    ("鲜榨果汁吧", "restaurant", "street", "39", "92"),
    ("城南烧饼", "food_shop", "street", "43", "92"),
    ("锦绣茶庄", "food_shop", "street", "47", "92"),
    ("金玉缘银饰", "other", "street", "51", "92"),
    ("小城故事文创", "other", "street", "55", "92"),
    ("张记鲜肉铺", "food_shop", "market", "A03", "92"),
    ("太湖水产", "food_shop", "market", "A08", "92"),
    ("绿源蔬菜", "food_shop", "market", "B02", "92"),
    ("周记豆制品", "food_shop", "market", "B06", "92"),
    ("翠苑粮油", "food_shop", "market", "C01", "92"),
    ("仁和大药房（湖滨路店）", "pharmacy", "hubin", "湖滨路 188 号", "91"),
    ("邻里家超市（湖滨店）", "supermarket", "hubin", "湖滨路 305 号", "91"),
    ("康宁药房（新城店）", "pharmacy", "xincheng", "新城大道 102 号", "91"),
    ("老张家常菜", "restaurant", "xincheng", "新城大道 131 号", "92"),
    ("晴天服饰", "clothing", "xincheng", "新城大道 145 号", "92"),
)

_PLACES = {
    "mall": {"circle": MALL, "lat": 31.540210, "lon": 120.286130},
    "street": {"circle": STREET, "lat": 31.552830, "lon": 120.299510},
    "market": {"circle": MARKET, "lat": 31.561140, "lon": 120.305020},
    "hubin": {"region": HUBIN, "lat": 31.537600, "lon": 120.281900},
    "xincheng": {"region": XINCHENG, "lat": 31.558300, "lon": 120.311700},
}

_PAYOUT = {
    "mall": (MALL, 500, "商场先行赔付保证金"),
    "street": ("清风里步行街管理办公室", 300, "街区消费维权先行赔付基金"),
    "market": (MARKET, 200, "市场开办方先行赔付金"),
}

# Per-store return pledges: days, exclusions, conditions.
_RETURNS = {
    "万悦生活超市": (7, ["生鲜食品", "散装食品", "烟酒", "贴身衣物"], "包装完好，凭购物小票或电子凭证"),
    "邻里家超市（湖滨店）": (7, ["生鲜食品", "散装食品", "烟酒"], "包装完好，凭购物小票"),
    "悦步鞋履": (15, ["已穿着的鞋类", "定制商品"], "鞋底无磨损、包装完好"),
    "花漾美妆": (7, ["已拆封的化妆品", "试用装"], "未拆封、不影响二次销售"),
    "金满堂珠宝": (7, ["定制商品", "已刻字商品", "投资金条"], "附原始证书和发票，无佩戴痕迹"),
    "明视眼镜": (7, ["定制镜片"], "镜架无划痕、配件齐全"),
    "素锦女装": (30, ["贴身衣物", "已水洗商品"], "吊牌完好、不影响二次销售"),
    "简约男装": (15, ["贴身衣物", "已修改裤长的商品"], "吊牌完好、不影响二次销售"),
    "暖衣坊内衣": (7, ["贴身衣物", "已拆封袜品"], "未拆封、吊牌完好"),
    "动感运动": (30, ["定制商品"], "吊牌完好、不影响二次销售"),
    "牛仔部落": (15, ["已修改裤长的商品", "已水洗商品"], "吊牌完好"),
    "雅致旗袍定制": (7, ["定制商品"], "成品吊牌完好"),
    "童趣童装": (30, ["贴身衣物"], "吊牌完好、不影响二次销售"),
    "小脚丫童鞋": (15, ["已穿着的鞋类"], "鞋底无磨损、包装完好"),
    "智选数码": (7, ["已激活的手机和电脑", "定制商品", "存储卡"], "配件齐全、外观无损"),
    "积木乐园玩具": (15, ["已拆封的拼装玩具"], "包装完好"),
    "书香阁书店": (15, ["报刊杂志", "音像制品"], "无污损、无折痕"),
    "清风泥塑工艺坊": (7, ["定制商品", "现场手作商品"], "无破损"),
    "清风里丝巾坊": (15, ["贴身衣物"], "吊牌完好"),
    "布衣坊汉服": (7, ["定制商品", "已水洗商品"], "吊牌完好、不影响二次销售"),
    "福寿堂大药房": (7, ["药品", "医疗器械", "保健食品"], "非药品类商品包装完好"),
    "仁和大药房（湖滨路店）": (7, ["药品", "医疗器械"], "非药品类商品包装完好"),
    "康宁药房（新城店）": (7, ["药品", "医疗器械", "保健食品"], ""),
    "锦绣茶庄": (7, ["散装茶叶", "食品"], "礼盒包装完好"),
    "金玉缘银饰": (7, ["定制商品", "已刻字商品"], "无佩戴痕迹"),
    "小城故事文创": (7, ["定制商品"], "包装完好"),
    "晴天服饰": (15, ["贴身衣物"], "吊牌完好"),
}

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁沈任姚卢"
    "钟姜崔谭陆汪范金石廖贾夏韦方邹熊白孟秦邱侯江尹薛段雷史龙陶贺顾毛郝龚邵钱严戴孔汤"
)
_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "玉兰",
    "志强",
    "海燕",
    "红梅",
    "晓东",
    "建国",
    "春花",
    "国强",
    "丹",
    "慧",
    "婷",
    "鹏",
    "斌",
    "宇",
    "浩",
    "凯",
    "欣怡",
    "子涵",
    "雨桐",
    "佳怡",
    "晨",
    "博文",
    "建军",
    "秀兰",
    "晓燕",
    "志刚",
    "丽华",
    "海涛",
    "雪梅",
    "立新",
    "永红",
    "金凤",
    "俊杰",
    "文静",
    "思远",
    "晓峰",
    "美玲",
    "卫东",
]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "136", "150", "151", "158", "182", "187", "189", "177")) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def _uscc(rng: random.Random, legal_form: str, taken: set[str]) -> str:
    while True:
        body = legal_form + REGION_CODE + "MA" + "".join(rng.choice(uscc.CHARSET) for _ in range(7))
        code = body + uscc.check_character(body)
        if code not in taken:
            taken.add(code)
            return code


def _food_licence(rng: random.Random, industry: str) -> str:
    form = "2" if industry == "restaurant" else "1"  # JY2: catering, JY1: food sales
    return f"JY{form}{REGION_CODE}{rng.randrange(10**6):06d}{rng.randrange(10)}"


def _needs_food_licence(industry: str, name: str) -> bool:
    return industry in ("restaurant", "food_shop", "supermarket", "pharmacy") or name == "花漾美妆"


def _special_licences(rec: dict, rng: random.Random, industry: str, name: str, day) -> None:
    """What the seeds' other trades must show: a pharmacy its drug-trade licence and medical-device filing,
    an optician the medical-device filing (contact lenses), a bookshop its publication licence."""
    rec["drug_licence_number"] = rec["drug_licence_valid_until"] = ""
    rec["medical_device_number"] = ""
    rec["publication_licence_number"] = rec["publication_licence_valid_until"] = ""
    if industry == "pharmacy":
        rec["drug_licence_number"] = f"苏DA{REGION_CODE[:4]}{rng.randrange(1000):03d}"
        rec["drug_licence_valid_until"] = day(rng.randrange(200, 1700))
    if industry == "pharmacy" or name == "明视眼镜":
        rec["medical_device_number"] = (
            f"苏锡药监械经营备{rng.randrange(2019, 2026)}{rng.randrange(10**4):04d}号"
        )
    if name == "书香阁书店":
        rec["publication_licence_number"] = f"新出发锡字第{rng.randrange(10**4):04d}号"
        rec["publication_licence_valid_until"] = day(rng.randrange(400, 2000))


def _address(where: str, unit: str) -> str:
    if where == "mall":
        floor = "负一层" if unit.startswith("B1") else f"{unit[1]} 层"
        return f"湖滨路 100 号湖滨万悦广场 {floor} {unit}"
    if where == "street":
        return f"清风里步行街 {unit} 号"
    if where == "market":
        return f"翠苑路 18 号翠苑农贸市场 {unit} 摊位"
    return f"{DISTRICT}{unit}"


def store_records(today: dt.date) -> list[dict]:
    """The demo stores as import rows (English keys), every date absolute and relative to `today`."""
    rng = random.Random(SEED)
    taken: set[str] = set()

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    records = []
    for i, (name, industry, where, unit, form) in enumerate(_STORES):
        place = _PLACES[where]
        code = _uscc(rng, form, taken)
        rec: dict[str, str] = {
            "name": name,
            "uscc": code,
            "address": _address(where, unit),
            "industry": industry,
            "region": place.get("region", ""),
            "circle": place.get("circle", ""),
            "station": OFFICE_HUBIN if name == "仁和大药房（湖滨路店）" else "",
            "latitude": f"{place['lat'] + rng.uniform(-0.0006, 0.0006):.6f}",
            "longitude": f"{place['lon'] + rng.uniform(-0.0006, 0.0006):.6f}",
            "merchant_contact": "",
            "merchant_phone": "",
        }
        if i % 4 != 3:  # three stores in four have given a contact for the merchant-first channel
            rec["merchant_contact"] = _person(rng)
            rec["merchant_phone"] = _mobile(rng) if form == "92" else f"0510-85{rng.randrange(10**6):06d}"

        # Business licence: the number is the USCC; sole traders' licences are long-term.
        rec["licence_number"] = code
        rec["licence_valid_until"] = "" if form == "92" else day(rng.randrange(900, 7000))
        if i == 13:
            rec["licence_valid_until"] = day(19)  # a company licence about to lapse

        rec["food_licence_number"] = ""
        rec["food_licence_valid_until"] = ""
        certs = []
        if _needs_food_licence(industry, name):
            rec["food_licence_number"] = _food_licence(rng, industry)
            if i % 9 == 4:
                offset = -rng.randrange(5, 120)  # expired
            elif i % 8 == 6:
                offset = rng.randrange(3, 29)  # expiring within 30 days
            else:
                offset = rng.randrange(90, 1800)
            rec["food_licence_valid_until"] = day(offset)
            if industry in ("restaurant", "food_shop", "supermarket"):
                for k in range(rng.randrange(1, 5)):
                    if k == 0 and i % 6 == 1:
                        offset = rng.randrange(2, 28)  # expiring
                    elif k == 0 and i % 10 == 3:
                        offset = -rng.randrange(3, 60)  # expired
                    else:
                        offset = rng.randrange(45, 360)
                    issued = (today + dt.timedelta(days=offset - 365)).year
                    certs.append(f"{_person(rng)}:JK{issued}{rng.randrange(10**5):05d}:{day(offset)}")
        rec["health_certificates"] = "|".join(certs)
        _special_licences(
            rec, random.Random(f"{SEED}:{name}"), industry, name, day
        )  # others' draws unchanged

        ret = _RETURNS.get(name)
        rec["return_days"] = str(ret[0]) if ret else ""
        rec["return_exclusions"] = "|".join(ret[1]) if ret else ""
        rec["return_conditions"] = ret[2] if ret else ""

        payer, limit, fund = _PAYOUT.get(where, ("", None, ""))
        if not payer and industry in ("supermarket", "pharmacy"):
            payer, limit, fund = name, None, "经营者自有资金"
        rec["payout_payer"] = payer
        rec["payout_limit_yuan"] = "" if limit is None else str(limit)
        rec["payout_fund"] = fund
        rec["first_inquiry"] = "否" if name == "晴天服饰" else "是"
        rec["first_inquiry_hours"] = (
            "" if name == "晴天服饰" else str({"market": 2, "street": 24}.get(where, rng.choice((12, 24))))
        )

        badges = []
        if i % 3 == 0:
            level, year = rng.choice((("区级", 2024), ("区级", 2025), ("市级", 2025), ("省级", 2024)))
            badges.append(f"放心消费示范店:{level}:{year}")
        if ret and i % 2 == 0:
            badges.append(f"无理由退货承诺单位::{rng.choice((2025, 2026))}")
        if form == "92" and i % 7 == 2:
            badges.append("共产党员经营户::2025")
        if i % 11 == 5:
            badges.append("诚信经营示范店:市级:2025")
        rec["badges"] = "|".join(badges)
        records.append(rec)
    return records


@dataclass
class DemoResult:
    stations: ImportResult
    stores: ImportResult
    samples: list[tuple[str, str, str]] = field(default_factory=list)  # (why, store name, code)

    @property
    def changed(self) -> bool:
        return self.stations.changed or self.stores.changed


class DemoDataInvalid(RuntimeError):
    """The demo data did not pass the importer's checks (a bug in this module)."""


_SAMPLES = (
    ("商场服装店，30 天无理由退货", "素锦女装"),
    ("商场餐饮，食品经营许可证已过期", "阿婆卤味"),
    ("步行街茶馆，许可证已过期、健康证即将到期", "清风里老茶馆"),
    ("农贸市场摊位，联络站负责", "周记豆制品"),
    ("街面药店，由市场监管所负责", "仁和大药房（湖滨路店）"),
)


def seed(today: dt.date | None = None) -> DemoResult:
    today = today or today_cn()
    stations = importing.import_stations(Table.from_records(station_records()))
    if not stations.ok:
        raise DemoDataInvalid("; ".join(map(str, stations.problems)))
    district = db.session.scalar(sa.select(Region).where(Region.name == DISTRICT))
    if district is not None and district.city is None:
        district.city = CITY
    records = store_records(today)
    stores = importing.import_stores(Table.from_records(records), today=today)
    if not stores.ok:
        raise DemoDataInvalid("; ".join(map(str, stores.problems)))
    by_name = {r["name"]: r["uscc"] for r in records}
    rows = db.session.scalars(sa.select(Store).where(Store.uscc.in_([by_name[n] for _, n in _SAMPLES])))
    code_by_uscc = {s.uscc: s.active_code.code for s in rows if s.active_code}
    samples = [(why, name, code_by_uscc[by_name[name]]) for why, name in _SAMPLES]
    return DemoResult(stations, stores, samples)


#: The demo console administrator at the district centre (development and sandbox only).
DEMO_ADMIN = "demo-admin"
DEMO_ADMIN_PASSWORD = "demo-admin-2026"


def ensure_admin() -> bool:
    """Create the demo console administrator unless it exists; True when it was created."""
    if db.session.scalar(sa.select(ConsoleUser.id).where(ConsoleUser.username == DEMO_ADMIN)) is not None:
        return False
    centre = db.session.scalar(sa.select(Station).where(Station.name == CENTRE))
    accounts.create_user(DEMO_ADMIN, centre, ConsoleRole.ADMINISTRATOR, DEMO_ADMIN_PASSWORD, Actor.cli())
    return True
