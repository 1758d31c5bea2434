"""The sample deliveries as files, the way departments send them: CSV in their encodings, JSON
plain or wrapped, and XLSX with a title row, a total row and a footer, written
deterministically (the same bytes on every run)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Any

from deptstats.core import Extract, openpyxl_without_lxml

FIXED_TIME = datetime(2024, 4, 30, 9, 0, 0)
Record = dict[str, Any]


def date_cell(day: date, style: int) -> str:
    """One of the date forms of the data dictionary, chosen by `style`."""
    forms = (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日")
    return forms[style % len(forms)]


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def count_cell(value: int, style: int) -> str:
    """Plain, with thousands separators, full-width, or padded with spaces."""
    if style % 2 == 0 and value >= 1000:
        return f"{value:,}"
    if style % 11 == 5:
        return str(value).translate(FULL_WIDTH)
    if style % 13 == 7:
        return f" {value} "
    return str(value)


# ------------------------------------------------------------------ the extracts


def _cells(extract: Extract, record: Record, style: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in extract.columns:
        value = record.get(column.name)
        key = column.label
        if value is None:
            out[key] = ""
        elif isinstance(value, date):
            out[key] = date_cell(value, style + len(out))
        elif column.type == "count":
            out[key] = count_cell(int(value), style + len(out))
        else:
            out[key] = str(value)
    return out


def write_csv(extract: Extract, records: list[Record], encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.label for c in extract.columns])
    for i, record in enumerate(records):
        writer.writerow(list(_cells(extract, record, i).values()))
    return buffer.getvalue().encode(encoding)


def write_json(extract: Extract, records: list[Record], wrapped: bool) -> bytes:
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        row: dict[str, Any] = {}
        for column in extract.columns:
            value = record.get(column.name)
            key = column.label if i % 2 == 0 else column.name  # both header forms occur
            if isinstance(value, date):
                row[key] = value.isoformat()
            elif column.type in ("count", "integer") and value is not None:
                row[key] = int(value)
            else:
                row[key] = value
        rows.append(row)
    document: Any = {"extract": extract.code, "records": rows} if wrapped else rows
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a workbook with fixed zip timestamps and a fixed modification time (openpyxl
    stamps the time of saving), so the same workbook gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"<dcterms:modified\1>" + stamp + rb"</dcterms:modified>", content)
            target.writestr(fixed, content)
    return out.getvalue()


def write_xlsx(extract: Extract, records: list[Record], title: str, department: str) -> bytes:
    """A workbook as departments send it: title row (merged), header, data, total, footers."""
    openpyxl = openpyxl_without_lxml()
    workbook = openpyxl.Workbook()
    workbook.properties.creator = department
    workbook.properties.created = FIXED_TIME
    sheet = workbook.active
    sheet.title = extract.name[:31]
    width = len(extract.columns)
    sheet.append([title] + [None] * (width - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append([None] * width)
    sheet.append([c.label for c in extract.columns])
    for i, record in enumerate(records):
        row: list[Any] = []
        for column in extract.columns:
            value = record.get(column.name)
            if isinstance(value, date):
                # real Excel dates for most rows; text forms for some
                row.append(datetime(value.year, value.month, value.day) if i % 4 else date_cell(value, i))
            elif column.type in ("count", "integer") and value is not None:
                row.append(int(value))
            elif column.type == "amount" and value is not None:
                row.append(float(value) if "." in str(value) else int(value))
            else:
                row.append(value)
        sheet.append(row)
        if i % 37 == 36:
            sheet.append([None] * width)  # departments leave blank rows
    totals: list[Any] = ["合计"] + [None] * (width - 1)
    for position, column in enumerate(extract.columns):
        if position and column.type == "count":
            totals[position] = sum(int(r[column.name]) for r in records)
    sheet.append(totals)
    sheet.append([None] * width)
    sheet.append([f"填报单位：{department}"])
    sheet.append(["填报人：数据专员"])
    sheet.append(["注：本表由部门业务系统导出，数据截至报告期末。"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return deterministic_zip(buffer.getvalue())


# ------------------------------------------------------------------ the delivery plan
