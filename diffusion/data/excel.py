"""Reading an XLSX worksheet cell by cell, dates at the precision the spreadsheet shows them.

A date typed into Excel is stored as a day count; what the user sees is set by the cell's number
format. A cell shown as ``2019年5月`` (format ``yyyy"年"m"月"``) or ``May-19`` means a month, not
the first day of it, and is read as ``2019-05``; a cell shown as a year is read as ``2019``.
Chinese Excel and WPS store their own date formats under built-in ids (27-36, 50-58) that other
readers take for plain numbers; they are read as dates here.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

from diffusion.errors import InputFileError
from diffusion.limits import limit, raise_hint

__all__ = ["date_precision", "read_worksheet"]

# Built-in number formats of the Chinese (zh-CN) locale (ECMA-376 18.8.30): id -> precision shown.
# 28/29/51/53/54/58 show month and day only (m"月"d"日"), but the stored date has its year: a day.
_CHINESE_DATE_IDS = {27: "month", 36: "month", 50: "month", 52: "month", 57: "month"} | dict.fromkeys(
    (28, 29, 30, 31, 51, 53, 54, 58), "day"
)
_LITERALS = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')  # quoted text, escapes, [colour]/[$-locale], padding


def date_precision(number_format: str) -> str:
    """What a date number format shows: "day", "month" or "year".

    Examples
    --------
    >>> date_precision('yyyy"年"m"月"'), date_precision("mmm-yy"), date_precision("yyyy"), date_precision("m/d/yy")
    ('month', 'month', 'year', 'day')
    """
    code = _LITERALS.sub("", number_format.split(";")[0]).lower()
    if "d" in code or "h" in code or "s" in code:  # a day shown, or a time of day (m is then minutes)
        return "day"
    if "m" in code:
        return "month"
    return "year" if "y" in code or "e" in code else "day"


def read_worksheet(path: Path, raw: bytes, sheet: str | int | None) -> list[list[object]]:
    """The cells of a worksheet as rows of values; dates as ISO text at their shown precision.

    ``sheet`` is a worksheet name or a position from 0 (default: the first worksheet).
    """
    import openpyxl
    from openpyxl.utils.datetime import from_excel

    _check_expanded_size(path, raw)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on corrupt workbooks
        raise InputFileError(f"{path}: the workbook cannot be read ({type(exc).__name__}: {exc}).") from None
    try:
        names = book.sheetnames
        if sheet is None or (isinstance(sheet, int) and 0 <= sheet < len(names)):
            worksheet = book.worksheets[sheet or 0]
        elif sheet in names:
            worksheet = book[sheet]
        else:
            raise InputFileError(
                f"{path}: no worksheet {sheet!r}; the workbook has {names}. Name an existing worksheet (`sheet`)."
            )
        worksheet.reset_dimensions()  # the stored rows, not the range the sheet claims (XFD1048576: 17e9 cells)
        rows, cells, max_cells = [], 0, limit("cells")
        for row in worksheet.iter_rows():
            cells += len(row)
            if cells > max_cells:
                raise InputFileError(
                    f"{path}: more than {max_cells:,} cells in the worksheet; split the file or save it as CSV "
                    f"({raise_hint('cells')})."
                )
            values = []
            for cell in row:
                value = getattr(cell, "value", None)
                if isinstance(value, datetime.datetime | datetime.date):
                    value = _iso(value, date_precision(cell.number_format or ""))
                elif isinstance(value, int | float) and not isinstance(value, bool) and cell.has_style:
                    shown = _CHINESE_DATE_IDS.get(cell.style_array.numFmtId)
                    if shown is not None and 0 < value < 2_958_466:  # within Excel's calendar
                        value = _iso(from_excel(value, epoch=book.epoch), shown)
                values.append(value)
            rows.append(values)
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]


def _check_expanded_size(path: Path, raw: bytes) -> None:
    """Refuse a workbook whose parts claim to unpack to more than the ``unpacked_bytes`` limit (a "zip bomb")."""
    import zipfile

    try:
        size = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    except zipfile.BadZipFile:
        return  # openpyxl says what is wrong with it
    if size > (most := limit("unpacked_bytes")):
        raise InputFileError(
            f"{path}: the workbook unpacks to {size:,} bytes, more than {most:,}; save the sheet as CSV "
            f"({raise_hint('unpacked_bytes')})."
        )


def _iso(value: datetime.date, precision: str) -> str:
    text = value.date().isoformat() if isinstance(value, datetime.datetime) else value.isoformat()
    return {"day": text, "month": text[:7], "year": text[:4]}[precision]
