"""Rebuild examples/stores.xlsx from examples/stores.csv, as a person would keep it in Excel.

Dates become real date cells, coordinates and amounts numbers; codes and phone numbers stay text.
Run: python examples/build_stores_xlsx.py
"""

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
NUMERIC = {"纬度", "经度", "无理由退货天数", "当场赔付限额（元）", "首问答复时限（小时）"}


def cell_value(header: str, text: str):
    if not text:
        return None
    if header.endswith("有效期至"):
        return dt.date.fromisoformat(text)
    if header in NUMERIC:
        return float(text) if "." in text else int(text)
    return text


def main() -> None:
    with open(HERE / "stores.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    wb = Workbook()
    ws = wb.active
    ws.title = "店铺"
    ws.append(rows[0])
    for row in rows[1:]:
        ws.append([cell_value(h, v) for h, v in zip(rows[0], row, strict=True)])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for i, header in enumerate(rows[0], start=1):
        width = max(len(header) * 2, *(len(r[i - 1]) * 1.6 for r in rows[1:]))
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(width, 8), 60)
    ws.freeze_panes = "C2"
    wb.save(HERE / "stores.xlsx")


if __name__ == "__main__":
    main()
