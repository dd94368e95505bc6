"""Roster files for the tests, written the way schools save them."""

from __future__ import annotations

import io

from openpyxl import Workbook

HEADER = ["年级", "班级", "学号", "学生姓名", "监护人姓名", "关系", "手机号"]

# 张小明 has two guardians; 王芳 is the guardian of 李雷 (1班) and 李梅 (2班).
ROWS = [
    ["一年级", "1班", "2024001", "张小明", "张伟", "父亲", "13800000001"],
    ["一年级", "1班", "2024001", "张小明", "刘娜", "母亲", "13800000002"],
    ["一年级", "1班", "2024002", "李雷", "王芳", "母亲", "13800000003"],
    ["一年级", "2班", "2024003", "李梅", "王芳", "母亲", "13800000003"],
]


def csv_bytes(rows=ROWS, encoding="utf-8-sig", header=HEADER) -> bytes:
    lines = [",".join(header), *(",".join(str(c) for c in row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows=ROWS, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        # Excel keeps numbers typed into cells as numbers: 学号 and phone as such.
        sheet.append([int(c) if str(c).isdigit() else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
