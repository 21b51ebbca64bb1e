"""Reading tables from CSV, TSV, XLSX and JSON files, reporting how they were read.

Spreadsheets exported from Chinese software are often GBK/GB18030, or UTF-8 with a byte-order
mark, or UTF-16 ("Unicode text"). The encoding is determined by strict decoding in a fixed
order and reported in :class:`Table.encoding`; it is never guessed silently.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import importlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from diffusion.data.excel import read_worksheet
from diffusion.errors import InputFileError
from diffusion.limits import limit, raise_hint
from diffusion.writable import file_kind

__all__ = ["Table", "decode_text", "file_sha256", "read_table"]

# Strict decoders tried in order; GBK before GB18030 so that the report names the narrower one.
_ENCODINGS = [("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")]
_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
    (b"\xff\xfe", "utf-16", "UTF-16 (little-endian, with BOM)"),
    (b"\xfe\xff", "utf-16", "UTF-16 (big-endian, with BOM)"),
]
_EXCEL = {".xlsx", ".xlsm"}
#: Binary data formats of statistics software: suffix -> (format name, reader, the extra that installs it).
_DATA_FORMATS = {
    ".dta": ("stata", "pandas", ""),
    ".parquet": ("parquet", "pyarrow", "parquet"),
    ".rds": ("rds", "pyreadr", "r"),
    ".rdata": ("rdata", "pyreadr", "r"),
    ".rda": ("rdata", "pyreadr", "r"),
}


@dataclass(frozen=True)
class Table:
    """A table read from a file, every cell a stripped string ("" when empty).

    ``rows`` gives, for each row of ``frame``, its line number as a spreadsheet shows it
    (header = 1), so that problems can be reported where the user will look.
    """

    frame: pd.DataFrame
    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    sha256: str
    rows: list[int] = field(default_factory=list)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (recorded in reports so results can be traced to inputs)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_table(path: str | Path, *, delimiter: str | None = None, sheet: str | int | None = None) -> Table:
    """Read a CSV/TSV, XLSX, JSON, Stata (.dta), Parquet or R (.rds, .RData) file into a :class:`Table` of strings.

    Parameters
    ----------
    path : str or Path
        The file. The format follows the extension (``.xlsx``, ``.json``; anything else is
        read as delimited text).
    delimiter : str, optional
        Field separator for text files. By default a comma, or a tab for ``.tsv`` files and
        for files whose header has tabs but no commas.
    sheet : str or int, optional
        Worksheet of an XLSX file (default: the first), or the object of an .RData file.

    Returns
    -------
    Table

    Raises
    ------
    InputFileError
        The file is missing, empty, binary, in an unknown encoding or malformed; the message
        says which and how to fix it.

    Examples
    --------
    >>> t = read_table("cases.csv")  # doctest: +SKIP
    >>> t.encoding  # doctest: +SKIP
    'GBK'
    """
    path = Path(path)
    if delimiter is not None and len(delimiter) != 1:
        raise InputFileError(
            f"{path}: the delimiter must be one character (such as , ; | or a tab), not {delimiter!r}."
        )
    if not path.is_file():
        raise InputFileError(f"{path}: {_not_a_file(path)}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}); check its permissions.") from None
    if not raw.strip():
        raise InputFileError(f"{path}: the file is empty. Fill in a header row and one row per case.")
    suffix = path.suffix.lower()
    if suffix in _EXCEL:
        frame, enc, sep = _read_excel(path, raw, sheet), None, None
        fmt = "xlsx"
    elif suffix == ".xls":
        raise InputFileError(f"{path}: old Excel .xls files are not read. Open it and save as .xlsx or as CSV.")
    elif suffix in _DATA_FORMATS:
        fmt, enc, sep = _DATA_FORMATS[suffix][0], None, None
        frame = _read_data_file(path, suffix, sheet)
    elif suffix == ".json":
        text, enc = decode_text(path, raw)
        frame, sep, fmt = _read_json(path, text), None, "json"
    else:
        if raw[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(raw)):
            raise InputFileError(
                f"{path}: this is an Excel workbook (zip) with a '{suffix}' extension. "
                "Rename it to .xlsx or save it as CSV."
            )
        text, enc = decode_text(path, raw)
        sep = delimiter or _default_delimiter(path, text)
        frame, fmt = _read_delimited(path, text, sep), "tsv" if sep == "\t" else "csv"
    if frame.empty:
        raise InputFileError(f"{path}: the file has a header row but no data rows (blank rows are skipped).")
    rows = (frame.index.to_numpy(dtype=np.int64) + 2).tolist()
    frame = frame.reset_index(drop=True)
    return Table(frame, str(path), fmt, enc, sep, hashlib.sha256(raw).hexdigest(), rows)


def decode_text(path: Path, raw: bytes) -> tuple[str, str]:
    """The text of a file's bytes and the name of its encoding: a BOM's, else UTF-8, GBK or GB18030."""
    for bom, codec, label in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), label
            except UnicodeDecodeError as exc:
                raise InputFileError(f"{path}: starts with a {label} mark but {exc}.") from None
    if b"\x00" in raw[:8192]:
        raise InputFileError(
            f"{path}: this is a binary file, not a text table (it contains NUL bytes). Save it as CSV (UTF-8) or XLSX."
        )
    for codec, label in _ENCODINGS:
        try:
            return raw.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        f"{path}: the text is neither UTF-8 nor GBK/GB18030. Save it as 'CSV UTF-8' "
        "(in Excel: Save As > CSV UTF-8) and read it again."
    )


def _default_delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() in {".tsv", ".tab"}:
        return "\t"
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return "\t" if "\t" in header and "," not in header and "，" not in header else ","


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip cells, turn missing values into "", normalise odd spaces, drop blank rows."""
    frame = frame.astype(object).where(frame.notna(), "")
    frame = pd.DataFrame({col: _clean_column(frame[col]) for col in frame.columns}, index=frame.index)
    blank = (frame == "").all(axis=1)
    return frame.loc[~blank]


def _clean_column(values: pd.Series) -> np.ndarray:
    if pd.api.types.infer_dtype(values, skipna=False) != "string":
        return np.array([_clean_cell(v) for v in values], dtype=object)  # numbers from a workbook, etc.
    # Text: clean each distinct value once (a national file repeats the same few values), inline:
    # a function call per value costs more than the cleaning (200,000 case ids).
    codes, uniques = pd.factorize(values)
    return np.array([v.replace("\u3000", " ").replace("\xa0", " ").strip() for v in uniques], dtype=object)[codes]


def _clean_cell(value: object) -> str:
    if isinstance(value, datetime.date):  # a date cell of a workbook (datetime and Timestamp included)
        return value.strftime("%Y-%m-%d") if isinstance(value, datetime.datetime) else value.isoformat()
    text = str(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))  # spreadsheets store 2019 as 2019.0
    # Full-width and no-break spaces are common in Chinese exports; they are not content (as above).
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


def _check_width(path: Path, width: int) -> None:
    """Refuse more columns than the ``columns`` limit."""
    if width > (most := limit("columns")):
        raise InputFileError(
            f"{path}: {width:,} columns, more than {most:,}; a case file has a column per field (or per "
            f"year or practice in a wide table). Check the delimiter, or {raise_hint('columns')}."
        )


def _header(path: Path, cells: Sequence[object]) -> list[str]:
    _check_width(path, len(cells))
    names = ["" if pd.isna(c) else unicodedata.normalize("NFKC", str(c)).strip() for c in cells]
    seen: dict[str, int] = {}
    dups = []
    for n in names:
        if n and n in seen:
            dups.append(n)
        seen[n] = seen.get(n, 0) + 1
    if dups:
        raise InputFileError(
            f"{path}: the header row repeats the column name(s) {sorted(set(dups))}. Give every column a distinct name."
        )
    return [n if n else f"unnamed_{i + 1}" for i, n in enumerate(names)]


def _read_delimited(path: Path, text: str, sep: str) -> pd.DataFrame:
    text = text.lstrip("\ufeff")
    first = text.partition("\n")[0]
    if first.count(sep) >= limit("columns"):  # refused before parsing: 400,000 columns take a gigabyte
        _check_width(path, len(next(csv.reader([first], delimiter=sep), [])))
    header: Any
    body: Any  # object arrays from the fast path, lists of cells from the csv module
    fast = _fast_table(text, sep)
    if fast is not None:
        header, body = fast
    else:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=False))
        except csv.Error as exc:
            raise InputFileError(f"{path}: not a readable delimited file ({exc}).") from None
        header, body = (rows[0] if rows else []), rows[1:]
    if not any(c.strip() for c in header):
        raise InputFileError(f"{path}: the first line is empty; it must be the header row.")
    if len(header) == 1:
        other = next((d for d in (";", "\t", "|", ",") if d != sep and d in header[0]), None)
        if other is not None:
            shown = {"\t": "tab", ";": "';'", "|": "'|'", ",": "','"}[other]
            raise InputFileError(
                f"{path}: wrong delimiter: the header '{header[0][:80]}' is one column, but it "
                f"contains {shown}. Save the file comma-separated, or give the `delimiter` '{other}'."
            )
    names = _header(path, header)
    if fast is None:
        body = _pad(path, body, len(names))
    return _clean(pd.DataFrame(body, columns=names, dtype=object))


def _pad(path: Path, rows: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut or padded to the header's width; a row with content beyond it is an error."""
    out = []
    for i, r in enumerate(rows, start=2):
        if len(r) > width and any(c.strip() for c in r[width:]):
            raise InputFileError(
                f"{path}: line {i} has {len(r)} fields but the header has {width}. "
                "Quote cells that contain the delimiter, or fix the row."
            )
        out.append(r if len(r) == width else (r + [""] * width)[:width])
    return out


def _fast_table(text: str, sep: str) -> tuple[list[str], np.ndarray] | None:
    """Header and body as pandas' C parser reads them (blank lines kept), or None where it cannot.

    Several times faster than the csv module on large files; on anything irregular (a row longer
    than the header, an unclosed quote ...) the csv module reads the file and says what is wrong.
    """
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    cells = frame.fillna("").to_numpy(dtype=object)
    return [str(c) for c in cells[0]], cells[1:]


def _read_excel(path: Path, raw: bytes, sheet: str | int | None) -> pd.DataFrame:
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise InputFileError(f"{path}: not a valid .xlsx workbook (it is not a zip archive).")
    rows = read_worksheet(path, raw, sheet)
    if not any(v is not None and str(v).strip() for row in rows for v in row):
        raise InputFileError(f"{path}: the worksheet is empty.")
    width = max(len(row) for row in rows)
    frame = pd.DataFrame([row + [None] * (width - len(row)) for row in rows], dtype=object)
    frame.columns = _header(path, list(frame.iloc[0]))
    body = frame.iloc[1:]
    body.index = range(len(body))
    return _clean(body)


def _read_data_file(path: Path, suffix: str, name: str | int | None) -> pd.DataFrame:
    """A Stata, Parquet or R data file as a table of text cells (``name``: the object of an .RData file)."""
    fmt, module, extra = _DATA_FORMATS[suffix]
    try:
        reader = importlib.import_module(module)
    except ImportError:
        raise InputFileError(
            f"{path}: reading {fmt} files needs the package '{module}': "
            f'pip install "policy-diffusion[{extra}]" (or save the file as CSV).'
        ) from None
    try:
        if suffix == ".dta":
            frame = pd.read_stata(path, convert_categoricals=True)
        elif suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            objects = reader.read_r(str(path))
            if len(objects) != 1 and name not in objects:
                raise InputFileError(
                    f"{path}: holds {len(objects)} R objects {sorted(map(str, objects))}; name one (`sheet`)."
                )
            frame = objects[name] if name in objects else next(iter(objects.values()))
    except InputFileError:
        raise
    except Exception as exc:  # each library raises its own kinds on damaged files
        raise InputFileError(f"{path}: the {fmt} file cannot be read ({type(exc).__name__}: {exc}).") from None
    frame = frame.astype(object)
    frame.columns = _header(path, list(frame.columns))
    return _clean(frame.reset_index(drop=True))


def _read_json(path: Path, text: str) -> pd.DataFrame:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from None
    except RecursionError:
        raise InputFileError(
            f"{path}: the JSON is nested too deeply to be a case list; give a list of objects."
        ) from None
    except ValueError:  # an integer of more than 4,300 digits
        raise InputFileError(f"{path}: the JSON holds a number of more than 4,300 digits; that is not data.") from None
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        data = data["cases"]
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data):
        raise InputFileError(
            f"{path}: JSON must be a non-empty list of objects (one per case), or an object "
            'with such a list under "cases".'
        )
    records = [{str(k): _json_cell(v) for k, v in r.items()} for r in data]
    for row, r in enumerate(records, start=1):
        for key, value in r.items():
            if _SURROGATE.search(key) or (isinstance(value, str) and _SURROGATE.search(value)):
                raise InputFileError(
                    f"{path}: case {row}, key {key.encode('utf-8', 'backslashreplace').decode()!r}: a \\u escape "
                    "encodes half of a character (a lone surrogate), which no file can hold. Fix the text."
                )
    names = _header(path, list(dict.fromkeys(k for r in records for k in r)))
    frame = pd.DataFrame.from_records(records, columns=names)
    return _clean(frame.astype(object))


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_cell(value: object) -> object:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a file: missing, or a folder, pipe or device."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "file not found."
    except OSError as exc:
        return f"cannot be read ({exc.strerror})."
    return f"is {file_kind(mode)}, not a regular file; give the path of a case file (CSV, TSV, XLSX or JSON)."
