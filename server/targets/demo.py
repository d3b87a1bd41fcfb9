"""Demo targets for `flask --app server demo seed`: three dozen businesses, vehicles and ships
of 海盐县 across every category and credit class, so that a random inspection plan has something
to draw from. Invented names; credit codes made with a valid GB 32100 check character (they
belong to nobody); area codes are illustrative, not the official 行政区划代码."""
from __future__ import annotations

from datetime import timedelta

from ..clock import local_today
from .codes import credit_code_check_character
from .service import LoadSummary, load_targets

AREAS = [("330424001", "武原街道"), ("330424002", "西塘桥街道"), ("330424003", "望海街道"),
         ("330424101", "沈荡镇"), ("330424102", "百步镇"), ("330424103", "于城镇"),
         ("330424104", "澉浦镇"), ("330424105", "通元镇")]
# category -> (names, supervision items)
BUSINESSES = {
    "road_transport": (["顺达客运", "海盐长运", "盐官旅游客运", "通达货运", "东方物流"], ["road-passenger"]),
    "dangerous_goods_transport": (["安捷危险品运输", "海化物流", "恒通化工运输", "嘉盐燃气运输"],
                                  ["dangerous-goods"]),
    "vehicle_repair": (["武原汽车修理厂", "百步汽修"], []),
    "driving_school": (["海盐驾校", "通元驾驶培训"], []),
    "port_shipping": (["海盐港务", "澉浦航运", "秦山码头"], ["ship-pollution"]),
    "road_works": (["嘉兴路桥工程", "海盐交通建设"], ["road-patrol"]),
}
CLASSES = "ABBBCABDBCCBABDBCABBCDBABCBBACDBBCAB"


def _credit_code(number: int) -> str:
    first17 = f"91330424MA2{number:06d}"
    return first17 + credit_code_check_character(first17)


def demo_rows() -> list[dict]:
    today = local_today()
    rows = []

    def add(category, name, key, items, credit_code=None):
        index = len(rows)
        code, area = AREAS[index % len(AREAS)]
        rows.append({"category": category, "name": name, "key": key,
                     "credit_code": credit_code, "licence_numbers": [f"浙交运管许可嘉字3304240{index:05d}"],
                     "address": f"浙江省嘉兴市海盐县{area}", "area_code": code, "area_name": area,
                     "latitude": round(30.45 + index * 0.004, 4), "longitude": round(120.85 + index * 0.005, 4),
                     "credit_class": CLASSES[index % len(CLASSES)],
                     "class_effective": today - timedelta(days=30 + index), "form_ids": items})

    for category, (names, items) in BUSINESSES.items():
        for name in names:
            code = _credit_code(len(rows) + 1)
            add(category, f"海盐县{name}有限公司", code, items, code)
    for number in range(12):
        items = ["overload", "dangerous-goods"] if number % 4 == 0 else ["overload"]
        add("vehicle", f"浙F{31000 + number * 7}（重型货车）", f"浙F{31000 + number * 7}", items,
            _credit_code(100 + number % 3))
    for number in range(4):
        add("ship", f"浙海盐货{1200 + number}", f"CN2010{3300000 + number}", ["ship-pollution"])
    return rows


def seed_targets() -> LoadSummary:
    """Create or update the demo targets (audited like an import)."""
    return load_targets(demo_rows(), actor=None, source="demo")
