"""Target files as the bureau's staff make them: XLSX from Excel/WPS with a Chinese header,
CSV exported in UTF-8 with a BOM or in GBK."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADER = ["序号", "对象类别", "名称", "统一社会信用代码", "车牌号", "船舶识别号", "许可证号", "地址",
          "行政区划代码", "所属区域", "经度", "纬度", "信用等级", "等级生效日期", "抽查事项"]
# Published codes of real companies (each passes the GB 32100 check), and the standard's example.
HUAWEI = "914403001922038216"
TENCENT = "91440300708461136T"
ALIBABA = "91330100716105852F"
XIAOMI = "91110108551385082Q"
STANDARD_EXAMPLE = "91350100M000100Y43"


def row(category="道路运输经营者", name="海盐县顺达运输有限公司", code="", plate="", ship="",
        licences="", address="海盐县武原街道", area_code="330424001", area="武原街道", lon="", lat="",
        credit_class="B", since="", items="") -> list:
    return ["", category, name, code, plate, ship, licences, address, area_code, area, lon, lat,
            credit_class, since, items]


def good_rows() -> list[list]:
    """Five targets: three businesses (codes typed carelessly), a vehicle and a ship."""
    return [
        row(name="华为技术有限公司", code=" 9144 0300 1922 0382 16", licences="浙交运管许可嘉字330424001234",
            lon="120.9467", lat="30.5263", credit_class="A", items="overload"),
        row(category="危险货物道路运输企业", name="深圳市腾讯计算机系统有限公司", code=TENCENT.lower(),
            credit_class="C级", items="dangerous-goods；道路旅客运输车辆检查"),
        row(category="vehicle_repair", name="阿里巴巴（中国）有限公司", code=ALIBABA, credit_class="b"),
        row(category="车辆", name="浙F12345 重型半挂牵引车", plate="浙f 12345", code=XIAOMI,
            credit_class="D", items="overload、dangerous-goods"),
        row(category="船舶", name="浙海盐货1234", ship="cn20081234567", credit_class="B",
            items="ship-pollution"),
    ]


def xlsx(rows: list[list], header=HEADER, blank_tail: int = 3) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    for _ in range(blank_tail):  # trailing rows Excel keeps after a deletion: formatted, empty
        sheet.append([None] * len(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding="utf-8-sig", header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerow([""] * len(header))
    return out.getvalue().encode(encoding)
