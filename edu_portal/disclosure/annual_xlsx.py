"""The annual report's tables as an Excel workbook in the layout of the official format
(国办公开办函〔2021〕30号): one sheet per table, the same merged headings and label
columns, numbers as numbers. All labels are fixed text of ours: nothing typed by a user is
written into the sheet."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from edu_portal.disclosure import annual
from edu_portal.disclosure.annual_display import (
    TABLE2_COUNT_LABELS,
    TABLE2_DOC_LABELS,
    TABLE3_COLUMN_LABELS,
    TABLE4_KIND_LABELS,
    TABLE4_RESULT_LABELS,
)
from edu_portal.disclosure.annual_models import ENTERED
from edu_portal.disclosure.models import TABLE3_LABELS

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BOLD = Font(bold=True)

# Table 三's label columns (A–C): the group of each outcome row and its item.
_GROUPS = (
    ("（一）予以公开", ("disclose",)),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ("partial",)),
    ("（三）不予公开", annual.OUTCOMES[2:10]),
    ("（四）无法提供", annual.OUTCOMES[10:13]),
    ("（五）不予处理", annual.OUTCOMES[13:18]),
    ("（六）其他处理", annual.OUTCOMES[18:21]),
)


def _put(sheet, cell: str, value, merge_to: str | None = None, bold: bool = False) -> None:
    sheet[cell] = value
    sheet[cell].alignment = _CENTER
    if bold:
        sheet[cell].font = _BOLD
    if merge_to:
        sheet.merge_cells(f"{cell}:{merge_to}")


def _table2(sheet, table2: dict, entered: dict) -> None:
    row = 1
    _put(sheet, "A1", "第二十条第（一）项", "D1", bold=True)
    _put(sheet, "A2", "信息内容")
    for col, label in zip("BCD", TABLE2_COUNT_LABELS, strict=True):
        _put(sheet, f"{col}2", label)
    row = 3
    for kind in annual.TABLE2_DOC_KINDS:
        _put(sheet, f"A{row}", TABLE2_DOC_LABELS[kind])
        for col, count in zip("BCD", annual.TABLE2_COUNTS, strict=True):
            sheet[f"{col}{row}"] = table2.get(kind, {}).get(count, 0)
        row += 1
    items = {"licensing": "第二十条第（五）项", "punishment": "第二十条第（六）项"}
    items["fees"] = "第二十条第（八）项"
    for name, row_label, column_label in ENTERED:
        if name in items:
            _put(sheet, f"A{row}", items[name], f"D{row}", bold=True)
            row += 1
            _put(sheet, f"A{row}", "信息内容")
            _put(sheet, f"B{row}", column_label, f"D{row}")
            row += 1
        _put(sheet, f"A{row}", row_label)
        value = entered.get(name, 0)
        sheet[f"B{row}"] = float(Decimal(str(value))) if name == "fees" else int(value)
        sheet.merge_cells(f"B{row}:D{row}")
        row += 1
    sheet.column_dimensions["A"].width = 24
    for col in "BCD":
        sheet.column_dimensions[col].width = 16


def _table3(sheet, table3: dict) -> None:
    _put(sheet, "A1", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "C3")
    _put(sheet, "D1", "申请人情况", "J1", bold=True)
    _put(sheet, "D2", TABLE3_COLUMN_LABELS["natural_person"], "D3")
    _put(sheet, "E2", "法人或其他组织", "I2")
    for col, key in zip("EFGHI", annual.COLUMNS[1:6], strict=True):
        _put(sheet, f"{col}3", TABLE3_COLUMN_LABELS[key])
    _put(sheet, "J2", "总计", "J3")

    def values(row: int, key: str) -> None:
        for col, column in zip("DEFGHIJ", annual.COLUMNS, strict=True):
            sheet[f"{col}{row}"] = table3.get(key, {}).get(column, 0)

    _put(sheet, "A4", "一、本年新收政府信息公开申请数量", "C4")
    values(4, "new")
    _put(sheet, "A5", "二、上年结转政府信息公开申请数量", "C5")
    values(5, "carried_over")
    row = 6
    for group, codes in _GROUPS:
        if len(codes) == 1:
            _put(sheet, f"B{row}", group, f"C{row}")
            values(row, codes[0])
            row += 1
            continue
        _put(sheet, f"B{row}", group, f"B{row + len(codes) - 1}")
        for code in codes:
            sheet[f"C{row}"] = TABLE3_LABELS[code].split(" ", 1)[1]
            sheet[f"C{row}"].alignment = Alignment(wrap_text=True, vertical="center")
            values(row, code)
            row += 1
    _put(sheet, f"B{row}", "（七）总计", f"C{row}")
    values(row, "total")
    _put(sheet, "A6", "三、本年度办理结果", f"A{row}")
    row += 1
    _put(sheet, f"A{row}", "四、结转下年度继续办理", f"C{row}")
    values(row, "carried_forward")
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["C"].width = 40


def _table4(sheet, table4: dict) -> None:
    _put(sheet, "A1", "行政复议", "E1", bold=True)
    _put(sheet, "F1", "行政诉讼", "O1", bold=True)
    _put(sheet, "F2", "未经复议直接起诉", "J2")
    _put(sheet, "K2", "复议后起诉", "O2")
    cols = "ABCDEFGHIJKLMNO"
    for index, label in enumerate(TABLE4_RESULT_LABELS * 3):
        column = cols[index]
        if index < 5:
            _put(sheet, f"{column}2", label, f"{column}3")
        else:
            _put(sheet, f"{column}3", label)
    for group, kind in enumerate(TABLE4_KIND_LABELS):
        for offset, result in enumerate(annual.REVIEW_RESULTS):
            sheet[f"{cols[group * 5 + offset]}4"] = table4.get(kind, {}).get(result, 0)


def workbook(year: int, figures: dict, entered: dict) -> bytes:
    book = Workbook()
    two = book.active
    two.title = "二、主动公开政府信息情况"
    _table2(two, figures.get("table2", {}), entered)
    _table3(book.create_sheet("三、收到和处理政府信息公开申请情况"), figures.get("table3", {}))
    _table4(book.create_sheet("四、行政复议、行政诉讼情况"), figures.get("table4", {}))
    book.properties.title = f"{year}年政府信息公开工作年度报告"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
