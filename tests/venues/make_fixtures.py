"""Regenerate the bad-input fixture lists of the venue tests: `python -m tests.venues.make_fixtures`.

Most fixtures are small CSV files that could be written by hand; they are generated here so that the
exact bytes (GBK encoding, BOM, invisible characters, a zip bomb) are documented in one readable place.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "fixtures"
HEADER = "id,name,district,category,address,name_en,address_en,reprint\n"
GOOD = "HP-001,和平区宁夏路社区,和平区,社区,和平区宁夏路12号,Ningxia Road Community,12 Ningxia Road,0\n"
GOOD2 = "BH-001,天津港国际邮轮码头,滨海新区,码头,滨海新区邮轮大道,Cruise Home Port,,0\n"


def csv(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    csv("gbk-chinese-headers.csv", "场所编号,场所名称,所属区,场所类型,地址\r\n"
        "HP-001,和平区宁夏路社区,和平区,社区,和平区宁夏路12号\r\n"
        "BH-001,天津港东疆集装箱码头,滨海新区,码头,滨海新区东疆港区\r\n", "gbk")
    csv("utf8-bom.csv", "\ufeff" + HEADER + GOOD + GOOD2)
    csv("duplicate-id.csv", HEADER + GOOD + GOOD2 + GOOD.replace("宁夏路", "南京路"))
    csv("path-id.csv", HEADER + GOOD + GOOD2.replace("BH-001", "../x"))
    csv("long-name.csv", HEADER + GOOD + GOOD2.replace("天津港国际邮轮码头", "很长的名称" * 60))
    csv("bidi.csv", HEADER + GOOD + GOOD2.replace("邮轮", "邮\u202e轮"))
    csv("zero-width.csv", HEADER + GOOD + GOOD2.replace("邮轮", "邮\u200b轮"))
    csv("uncovered.csv", HEADER + GOOD + GOOD2.replace("邮轮", "邮\U00013000轮"))
    csv("formula.csv", HEADER + GOOD.replace("和平区宁夏路社区", '"=HYPERLINK(""http://evil.example"",""点击"")"')
        + GOOD2.replace("天津港国际邮轮码头", "+cmd|' /C calc'!A0").replace("Cruise Home Port", "@SUM(1+1)"))
    csv("excel-id.csv", HEADER + GOOD + GOOD2.replace("BH-001", "4.40104E+17"))
    csv("empty.csv", "")
    csv("header-only.csv", HEADER)
    csv("missing-column.csv", "id,name,district,address\n" + "HP-001,和平区宁夏路社区,和平区,和平区宁夏路12号\n")
    csv("multiline.csv", HEADER + '\n' + 'HP-001,"和平区\n宁夏路   社区",和平区,社区,和平区宁夏路12号,,,0\n\n' + GOOD2)
    # Every text at its validation limit (name 48, English name 72, address 90 half-width units...).
    csv("longest.csv", HEADER + "WC-1,天津市和平区南营门街道宁夏路社区居民委员会服务,和平区,社区,"
        "天津市和平区南营门街道宁夏路与南京路交口东南侧宁夏路社区居民委员会一楼大厅东侧,"
        "Ningxia Road Community Residents Committee Service Point of Nanyingmen,\"Ground floor hall, Ningxia "
        "Road Community Residents Committee, southeast corner of Ningxia Road and Nanjing Road, Nanyingmen, "
        "Hep\",3\n")
    _xlsx_formula()
    _xlsx_bomb()
    xlsx_ledger(HERE / "ledger.xlsx")


def _xlsx_formula() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "district", "category", "address"])
    sheet.append(["HP-001", "和平区宁夏路社区", "和平区", "社区", "和平区宁夏路12号"])
    sheet.append(["BH-001", '=HYPERLINK("http://evil.example","码头")', "滨海新区", "码头", "滨海新区邮轮大道"])
    sheet.append([440104000000000000, "数字编号", "和平区", "社区", "和平区某路1号"])
    book.save(HERE / "formula.xlsx")


def xlsx_ledger(path: Path) -> None:
    """A district office's ledger as kept in Excel (issue 22): a merged title row and a date row above the header,
    序号/联系人/联系电话 columns, a full-width id, a row filtered out by an AutoFilter, a row hidden by hand, and a
    totals row (合计) with a formula."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "场所台账"
    sheet.append(["和平区重点场所健康码张贴台账"])
    sheet.merge_cells("A1:H1")
    sheet.append(["填报日期：2020年3月12日"])
    sheet.merge_cells("A2:H2")
    sheet.append(["序号", "场所编号", "场所名称", "所属区", "场所类型", "地址", "联系人", "联系电话"])
    sheet.append([1, "HP-SQ-0011", "宁夏路社区", "和平区", "社区", "和平区宁夏路12号", "王丽", "022-23300001"])
    sheet.append([2, "HP-SQ-0012", "南京路社区", "和平区", "社区", "和平区南京路8号", "李强", "022-23300002"])
    sheet.append([3, "ＨＰ－ＳＱ－００１４", "成都道社区", "和平", "社区", "和平区成都道3号", "张敏", "13800000003"])
    sheet.append([4, "HP-QY-0001", "和平商贸有限公司", "heping", "企业", "和平区滨江道100号", "赵军", "13800000004"])
    sheet.append([5, "HP-LY-0001", "滨江商务大厦", "和平区", "商务楼宇", "和平区滨江道200号", "钱芳", "13800000005"])
    sheet.append([6, "HP-SQ-0015", "已撤并社区", "和平区", "社区", "和平区某路1号", "孙伟", "13800000006"])
    sheet.append([7, "HP-SQ-0016", "待核实社区", "和平区", "社区", "和平区某路2号", "周洁", "13800000007"])
    sheet.append(["合计", None, "=COUNTA(C4:C10)", None, None, None, None, None])
    sheet.row_dimensions[9].hidden = True  # hidden by hand
    sheet.auto_filter.ref = "A3:H10"
    sheet.auto_filter.add_filter_column(2, ["宁夏路社区", "南京路社区", "成都道社区", "和平商贸有限公司",
                                            "滨江商务大厦", "已撤并社区"])
    sheet.row_dimensions[10].hidden = True  # filtered out (Excel stores a filtered row as a hidden one)
    book.save(path)


def _xlsx_bomb() -> None:
    # A workbook whose sheet inflates a thousand-fold (8 KB to 8 MB, the shape of a zip bomb): refused by its
    # ratio before openpyxl reads it. (The total-size limit, 200 MB, is tested on a generated archive.)
    with zipfile.ZipFile(HERE / "oversized.xlsx", "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b" " * (8 << 20))


if __name__ == "__main__":
    main()
