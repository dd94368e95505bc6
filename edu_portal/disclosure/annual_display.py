"""The report's tables as rows with the official wording (国办公开办函〔2021〕30号), for the
pages (staff and public) and the Excel file. The report is published in Chinese whatever
the reader's language, so these labels are not translated."""

from __future__ import annotations

from edu_portal.disclosure import annual
from edu_portal.disclosure.annual_models import ENTERED
from edu_portal.disclosure.models import TABLE3_LABELS

TABLE3_COLUMN_LABELS = {
    "natural_person": "自然人",
    "business": "商业企业",
    "research": "科研机构",
    "public_interest": "社会公益组织",
    "legal_services": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

TABLE3_ROW_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    **{code: "三、本年度办理结果 " + TABLE3_LABELS[code] for code in annual.OUTCOMES},
    "total": "三、本年度办理结果 （七）总计",
    "carried_forward": "四、结转下年度继续办理",
}

TABLE2_DOC_LABELS = {"regulation": "规章", "normative": "行政规范性文件"}
TABLE2_COUNT_LABELS = ("本年制发件数", "本年废止件数", "现行有效件数")

TABLE4_KIND_LABELS = {
    "reconsideration": "行政复议",
    "litigation": "行政诉讼（未经复议直接起诉）",
    "litigation_after": "行政诉讼（复议后起诉）",
}
TABLE4_RESULT_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def table3_rows(table3: dict) -> list[dict]:
    return [
        {
            "key": row,
            "label": TABLE3_ROW_LABELS[row],
            "values": [table3.get(row, {}).get(c, 0) for c in annual.COLUMNS],
        }
        for row in annual.ROWS
    ]


def table2_rows(table2: dict) -> list[dict]:
    return [
        {
            "label": TABLE2_DOC_LABELS[kind],
            "values": [table2.get(kind, {}).get(c, 0) for c in annual.TABLE2_COUNTS],
        }
        for kind in annual.TABLE2_DOC_KINDS
    ]


def entered_rows(entered: dict) -> list[dict]:
    return [
        {"label": row, "column": column, "value": entered.get(name, 0)}
        for name, row, column in ENTERED
    ]


def table4_rows(table4: dict) -> list[dict]:
    return [
        {
            "label": TABLE4_KIND_LABELS[kind],
            "values": [table4.get(kind, {}).get(r, 0) for r in annual.REVIEW_RESULTS],
        }
        for kind in annual.REVIEW_KINDS
    ]


def context(figures: dict, entered: dict) -> dict:
    """What ``disclosure/annual_tables.html`` shows."""
    failing = {f["column"] for f in figures.get("identity_failures", [])}
    return {
        "t2_rows": table2_rows(figures.get("table2", {})),
        "t2_count_labels": TABLE2_COUNT_LABELS,
        "t2_entered": entered_rows(entered),
        "t3_columns": [
            {"label": TABLE3_COLUMN_LABELS[c], "failing": c in failing} for c in annual.COLUMNS
        ],
        "t3_rows": table3_rows(figures.get("table3", {})),
        "t3_failures": [
            {**f, "label": TABLE3_COLUMN_LABELS.get(f["column"], f["column"])}
            for f in figures.get("identity_failures", [])
        ],
        "t4_rows": table4_rows(figures.get("table4", {})),
        "t4_result_labels": TABLE4_RESULT_LABELS,
    }
