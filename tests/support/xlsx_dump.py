"""Dumps an .xlsx as JSON for the tests, read back with Debian's openpyxl (run /usr/bin/python3).

Usage: xlsx_dump.py FILE. Prints {"sheets": [{"title", "freeze_panes", "auto_filter", "widths",
"rows": [[{"type": "text|number|datetime|empty", "value", "format"}]]}]}; a datetime's value is
ISO 8601 without a zone, as Excel holds it.
"""
import datetime
import json
import sys

import openpyxl


def cell_of(cell):
    v = cell.value
    if v is None:
        return {"type": "empty", "value": None, "format": cell.number_format}
    if isinstance(v, datetime.datetime):
        return {"type": "datetime", "value": v.isoformat(), "format": cell.number_format}
    if isinstance(v, bool):
        return {"type": "bool", "value": v, "format": cell.number_format}
    if isinstance(v, (int, float)):
        return {"type": "number", "value": v, "format": cell.number_format}
    return {"type": "text", "value": str(v), "format": cell.number_format}


def main(path):
    book = openpyxl.load_workbook(path)
    sheets = []
    for ws in book.worksheets:
        sheets.append({
            "title": ws.title,
            "freeze_panes": ws.freeze_panes,
            "auto_filter": ws.auto_filter.ref,
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.width},
            "rows": [[cell_of(c) for c in row] for row in ws.iter_rows()],
        })
    json.dump({"sheets": sheets, "title": book.properties.title}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
