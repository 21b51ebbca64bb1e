"""The case-file schema: column names in Chinese or English, and parsers for time cells.

Headers are matched after NFKC normalisation, lower-casing and removing spaces, so
"Case ID", "case_id" and "编号" all name the ``case_id`` column. Columns named after the
levels of the geography ("province", "state", ...) and ``<level>_code`` are always accepted.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from diffusion.data.traditional import fold_traditional

__all__ = ["COLUMN_ALIASES", "canonical_columns", "header_key", "parse_batch", "parse_date", "parse_year"]

#: Canonical column → accepted header names (documented in the README).
COLUMN_ALIASES: dict[str, list[str]] = {
    "case_id": ["case_id", "caseid", "id", "case_no", "编号", "案例编号", "序号"],
    "series": ["series", "list", "系列", "名单", "名单类别"],
    "batch": ["batch", "batch_no", "批次", "批"],
    "year": ["year", "年份", "年度", "入选年份"],
    "date": ["date", "日期", "发布日期", "时间", "发布时间"],
    "title": ["title", "title_zh", "案例", "案例名称", "标题", "题目", "案例标题"],
    "title_en": ["title_en", "label_en", "英文标题", "英文名称"],
    "unit": ["unit", "place", "单位", "地点", "所在地", "申报单位"],
    "unit_code": ["unit_code", "code", "代码", "区划代码", "行政区划代码"],
    "unit_level": ["unit_level", "level", "层级", "级别", "单位层级", "行政层级"],
    "province": ["province", "province_zh", "省份", "省", "省区市", "省(区、市)", "省级"],
    "prefecture": ["prefecture", "prefecture_zh", "city", "地市", "市", "地级市", "市州", "地(市、州、盟)"],
    "county": ["county", "county_zh", "区县", "县", "县区", "县市区", "县(市、区)", "县级"],
    "township": ["township", "township_zh", "town", "乡镇", "镇", "乡", "街道", "乡镇(街道)"],
    "village": ["village", "village_zh", "村", "村庄", "村(社区)", "社区", "行政村"],
    "province_code": ["province_code", "省份代码", "省代码"],
    "prefecture_code": ["prefecture_code", "地市代码", "市代码"],
    "county_code": ["county_code", "区县代码", "县代码"],
    "practices": ["practices", "practice", "tags", "做法", "实践", "标签", "治理做法", "主要做法", "做法标签"],
    "sources": ["sources", "source", "source_ids", "来源", "出处", "资料来源"],
    "confidence": ["confidence", "可信度", "置信度"],
    "notes": ["notes", "note", "备注", "说明"],
}

REQUIRED = ["case_id", "practices"]
TIME_COLUMNS = ["batch", "year", "date"]


def header_key(header: str) -> str:
    """A header as it is matched: NFKC-normalised, lower case, without spaces, "_" or "-".

    Examples
    --------
    >>> header_key("Case ID"), header_key("case_id")
    ('caseid', 'caseid')
    """
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", header)).lower()


def canonical_columns(headers: list[str], levels: tuple[str, ...] = ()) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Map file headers to canonical names.

    Returns ``(mapping, clashes)``: ``mapping`` takes a file header to its canonical name
    (headers not listed are kept under their own name); ``clashes`` lists canonical names that
    several headers map to.

    Examples
    --------
    >>> canonical_columns(["编号", "省份", "做法"])[0]
    {'编号': 'case_id', '省份': 'province', '做法': 'practices'}
    """
    lookup: dict[str, str] = {}
    for level in levels:
        lookup[header_key(level)] = level
        lookup[header_key(level + "_code")] = level + "_code"
    for canon, names in COLUMN_ALIASES.items():
        for name in names:
            lookup.setdefault(header_key(name), canon)
    mapping: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for header in headers:
        known = lookup.get(header_key(header)) or lookup.get(header_key(fold_traditional(header)))  # 編號 is 编号
        if known:
            mapping[header] = known
            seen.setdefault(known, []).append(header)
    clashes = {c: hs for c, hs in seen.items() if len(hs) > 1}
    return mapping, clashes


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _chinese_number(text: str) -> int | None:
    """1–99 written in Chinese numerals (一, 十二, 二十三)."""
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    t = _CN_DIGITS.get(tens, 0 if tens else 1) if len(tens) <= 1 else None
    o = _CN_DIGITS.get(ones, 0 if not ones else None) if len(ones) <= 1 else None
    return None if t is None or o is None else 10 * t + o


MAX_BATCH = 99_999  # a 40-digit "batch" is a slip, not a batch


def parse_batch(cell: str) -> int | None:
    """A batch number from "3", "3.0", "第三批", "第3批", "batch 3"; None if unreadable or above
    :data:`MAX_BATCH`.

    Examples
    --------
    >>> [parse_batch(s) for s in ["2", "第二批", "第12批", "Batch 4", "late"]]
    [2, 2, 12, 4, None]
    """
    text = unicodedata.normalize("NFKC", cell).strip().lower()
    text = re.sub(r"^(batch|no\.?|#)\s*", "", text)
    text = re.sub(r"^第|批(次)?$", "", text).strip()
    value = int(text.split(".")[0]) if re.fullmatch(r"\d{1,9}(\.0+)?", text) else _chinese_number(text)
    return value if value is not None and 1 <= value <= MAX_BATCH else None


_BATCH_YEAR = re.compile(r"[(（]?\s*(\d{4})\s*年?\s*[)）]?")


def parse_batch_year(cell: str) -> tuple[int | None, int | None]:
    """Batch and year from one cell: "2022年第四批", "第四批（2022年）", "第4批 2022" -> (4, 2022).

    A cell with no year in it gives ``(batch, None)``, as :func:`parse_batch` reads it.

    Examples
    --------
    >>> [parse_batch_year(s) for s in ["2022年第四批", "第四批（2022年）", "第3批", "batch 2 (2020)", "late"]]
    [(4, 2022), (4, 2022), (3, None), (2, 2020), (None, None)]
    """
    text = unicodedata.normalize("NFKC", cell).strip()
    for m in _BATCH_YEAR.finditer(text):
        batch = parse_batch((text[: m.start()] + " " + text[m.end() :]).strip(" ,，、"))
        if batch is not None and 1 <= int(m.group(1)) <= 9999:
            return batch, int(m.group(1))
    return parse_batch(text), None


def parse_year(cell: str) -> int | None:
    """A year from "2019", "2019.0", "2019年" or "1691": any year from 1 to 9999; None if unreadable.

    Examples
    --------
    >>> [parse_year(s) for s in ["2019", "1846.0", "2022年", "0", "19a"]]
    [2019, 1846, 2022, None, None]
    """
    text = unicodedata.normalize("NFKC", cell).strip()
    m = re.fullmatch(r"(\d{1,4})(\.0+)?\s*年?", text)
    if not m:
        return None
    year = int(m.group(1))
    return year if year >= 1 else None


_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # right from 1900-03-01: Excel counts a 29 February 1900


def parse_date(cell: str) -> str | None:
    """An ISO date with the precision given: "2019", "2019-05" or "2019-05-12".

    Accepts "-", "/", "." separators and "2019年5月12日", any year from 1 to 9999 (written with
    four digits in the result, so that dates sort as text), and an Excel date serial (a whole
    number of five or six digits: days since 1899-12-30, as a date cell exported without its
    format reads). Returns None if unreadable or if the month or day is out of range.

    Examples
    --------
    >>> [parse_date(s) for s in ["2019年5月", "2019/5/12", "2019-13", "1691-06", "44866"]]
    ['2019-05', '2019-05-12', None, '1691-06', '2022-11-01']
    """
    text = unicodedata.normalize("NFKC", cell).strip()
    serial = re.fullmatch(r"(\d{5,6})(\.0+)?", text)
    if serial:
        days = int(serial.group(1))
        return (_EXCEL_EPOCH + datetime.timedelta(days=days)).isoformat()
    m = re.fullmatch(r"(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月)?)?\s*年?", text)
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if int(year) < 1:
        return None
    if month is None:
        return year
    if not 1 <= int(month) <= 12:
        return None
    if day is None:
        return f"{year}-{int(month):02d}"

    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
