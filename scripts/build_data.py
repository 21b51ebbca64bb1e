"""Shape the reference data in ``../shared/data`` into the bundled datasets in ``data/``.

Run from the repository root: ``python scripts/build_data.py [SHARED_DATA_DIR [OUT_DIR]]``.
Facts are copied, never invented: every case row keeps its sources, confidence and notes;
the only changes are column names, the code format of provinces, and identifiers for
pilot-list rows (which have none in the source). The outputs are committed; the package
never reads ``../shared`` at run time.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

CASE_COLUMNS = [
    "case_id",
    "series",
    "batch",
    "year",
    "date",
    "title",
    "title_en",
    "province",
    "prefecture",
    "county",
    "township",
    "village",
    "province_code",
    "prefecture_code",
    "county_code",
    "unit_level",
    "practices",
    "sources",
    "confidence",
    "notes",
]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")


# A tile-grid layout of the 31 provinces (row from the north, column from the west), drawn by this
# project so that neighbours stay near each other; a cartographic convenience, not source data.
CHINA_TILES = [
    ("23", 0, 8),
    ("15", 1, 5),
    ("11", 1, 6),
    ("21", 1, 7),
    ("22", 1, 8),
    ("65", 1, 1),
    ("62", 2, 3),
    ("64", 2, 4),
    ("14", 2, 5),
    ("13", 2, 6),
    ("12", 2, 7),
    ("63", 2, 2),
    ("54", 3, 1),
    ("51", 3, 2),
    ("61", 3, 4),
    ("41", 3, 5),
    ("37", 3, 6),
    ("50", 4, 3),
    ("42", 4, 4),
    ("34", 4, 5),
    ("32", 4, 6),
    ("31", 4, 7),
    ("53", 5, 2),
    ("52", 5, 3),
    ("43", 5, 4),
    ("36", 5, 5),
    ("33", 5, 6),
    ("45", 6, 3),
    ("44", 6, 4),
    ("35", 6, 5),
    ("46", 7, 4),
]


def build_geography(src: Path, out_root: Path) -> None:
    geo = src / "geo"
    provinces = _read(geo / "provinces.csv")
    prefectures = _read(geo / "prefectures.csv")
    counties = _read(geo / "counties.csv")
    # Prefectures and counties: their own administrative-centre points (DataV, converted to WGS-84);
    # 5 counties have none and stay empty (the package falls back to the parent's point, and says so).
    points = _read(geo / "coordinates.csv").set_index("code")

    rows = []
    for p in provinces.itertuples():
        aliases = [p.code + "0000", p.name_pinyin, p.iso_3166_2, p.abbreviation, p.abbreviation_alt]
        rows.append(
            {
                "code": p.code,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "level": "province",
                "parent": "",
                "macro_region": p.macro_region,
                "lat": p.capital_lat,
                "lon": p.capital_lon,
                "coord_kind": "capital city centre",
                "aliases": ";".join(a for a in dict.fromkeys(aliases) if a and a != p.name_en),
            }
        )
    for f in prefectures.itertuples():
        lat, lon, kind = _point(points, f.code)
        rows.append(
            {
                "code": f.code,
                "name_zh": f.name_zh,
                "name_en": "",
                "level": "prefecture",
                "parent": f.province_code,
                "macro_region": "",
                "lat": lat,
                "lon": lon,
                "coord_kind": kind,
                "aliases": "",
            }
        )
    for c in counties.itertuples():
        lat, lon, kind = _point(points, c.code)
        rows.append(
            {
                "code": c.code,
                "name_zh": c.name_zh,
                "name_en": "",
                "level": "county",
                "parent": c.parent_prefecture_code or c.province_code,
                "macro_region": "",
                "lat": lat,
                "lon": lon,
                "coord_kind": kind,
                "aliases": "",
            }
        )
    units = pd.DataFrame(rows)
    region = provinces.set_index("code")["macro_region"]
    units["macro_region"] = units["code"].str[:2].map(region)
    out = out_root / "geography" / "china"
    _write(units, out / "units.csv")

    adj = _read(geo / "adjacency.csv").rename(columns={"code_a": "a", "code_b": "b"})
    adj["source_support"] = (
        "datav_amap=" + adj["geom_datav_amap"] + ";gadm36=" + adj["geom_gadm36"] + ";list_10d1=" + adj["list_10d1"]
    )
    _write(adj[["a", "b", "kind", "name_a", "name_b", "source_support", "note"]], out / "adjacency.csv")
    shutil.copy(geo / "SOURCES.md", out / "SOURCES.md")
    tiles = pd.DataFrame(CHINA_TILES, columns=["code", "row", "col"])
    assert sorted(tiles["code"]) == sorted(provinces["code"]), "every province needs one tile"
    facts = provinces.set_index("code")
    tiles["label_en"] = tiles["code"].map(facts["iso_3166_2"]).str.removeprefix("CN-")  # e.g. HN for Hunan
    tiles["label_zh"] = tiles["code"].map(facts["abbreviation"])  # e.g. 湘
    _write(tiles, out / "tiles.csv")
    meta = {
        "name": "china",
        "title_en": "Mainland China: 31 provinces, 333 prefectures, 2,846 counties (GB/T 2260, 2024-12-31)",
        "title_zh": "中国大陆行政区划（省、地、县三级，2024年12月31日）",
        "levels": ["province", "prefecture", "county"],
        "sub_levels": ["township", "village"],
        "regions": ["East", "Central", "West", "Northeast"],
        "gradient_order": ["East", "Central", "West"],
        "neighbour_level": "province",
        "notes": "Adjacency is known at province level only (68 land pairs + 1 sea link). "
        "Coordinates (WGS-84): provinces at their capital's city centre (GeoNames); prefectures and "
        "counties at their own administrative centre (Aliyun DataV, converted from GCJ-02); 5 counties "
        "without a point take their parent's. English names: provinces only. "
        "Covariates (covariates.csv): provincial GDP 2014-2020 and 2020 census population of "
        "provinces, prefectures and province-direct counties, with the urban/rural split.",
        "provenance": "SOURCES.md",
    }
    (out / "geography.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    build_covariates(src, out, set(units["code"]))


def _point(points: pd.DataFrame, code: str) -> tuple[str, str, str]:
    """(lat, lon, kind) of a prefecture or county from coordinates.csv; empty where it has no point."""
    if code not in points.index or not points.at[code, "lat"]:
        return "", "", ""
    return points.at[code, "lat"], points.at[code, "lon"], "administrative centre (DataV)"


# Source variable names carry the census year, which has its own column in the bundled table.
COVARIATE_NAMES = {
    "gdp": "gdp",
    "census_population_2020": "census_population",
    "census_urban_population_2020": "census_urban_population",
    "census_rural_population_2020": "census_rural_population",
}


def build_covariates(src: Path, out: Path, codes: set[str]) -> None:
    """Official covariates of the China geography, long: unit_code, year, variable, value, measure, source.

    Copied as published. A municipality's census row (110100 北京市) is the province's (the
    source checks that the totals agree), so its urban/rural split is given to the province;
    province-direct county-level units (仙桃市) are counties of the geography.
    """
    cov = src / "covariates"
    provinces = _read(cov / "provinces.csv").rename(columns={"code": "unit_code", "unit": "measure"})
    prefectures = _read(cov / "prefectures.csv").rename(columns={"code": "unit_code", "unit": "measure"})
    city = prefectures["unit_level"] == "municipality"
    prefectures.loc[city, "unit_code"] = prefectures.loc[city, "unit_code"].str[:2]
    known = set(zip(provinces["unit_code"], provinces["variable"]))
    dup = [(c, v) in known for c, v in zip(prefectures["unit_code"], prefectures["variable"])]
    same = prefectures[dup].merge(provinces, on=["unit_code", "variable"], suffixes=("", "_province"))
    assert (same["value"] == same["value_province"]).all(), "municipality totals must equal the province's"
    table = pd.concat([provinces, prefectures[[not d for d in dup]]], ignore_index=True)
    assert set(table["unit_code"]) <= codes, "every covariate unit is a unit of the geography"
    table["variable"] = table["variable"].map(COVARIATE_NAMES)
    assert table["variable"].notna().all(), "a new variable in the source: name it in COVARIATE_NAMES"
    columns = ["unit_code", "year", "variable", "value", "measure", "source"]
    _write(table[columns].sort_values(["variable", "unit_code", "year"]), out / "covariates.csv")
    shutil.copy(cov / "SOURCES.md", out / "covariates-SOURCES.md")


# Common short names users write for the tags; input conveniences added by this project, not
# source facts (the labels themselves come from the reference data).
PRACTICE_ALIASES = {
    "three_governance_integration": "三治融合;自治法治德治相结合;三治结合",
    "points_system": "积分制管理;乡村治理积分制",
    "list_system": "清单制管理;乡村治理清单制",
    "digital_governance": "数字化治理;数字乡村;智慧治理",
    "grid_management": "网格化;网格化治理",
    "dispute_mediation": "枫桥经验;矛盾纠纷调解;新时代枫桥经验",
    "customs_reform": "移风易俗改革",
    "micro_power_supervision": "小微权力清单",
    "party_building": "党建引领乡村治理",
    "village_rules": "村规民约",
    "villager_deliberation": "村民议事;议事协商",
}


def build_leading_cases(src: Path, out_root: Path) -> None:
    lc = src / "leading-cases"
    out = out_root / "leading-cases"
    cases = _read(lc / "cases.csv").rename(
        columns={
            "title_zh": "title",
            "label_en": "title_en",
            "province_zh": "province",
            "prefecture_zh": "prefecture",
            "county_zh": "county",
            "township_zh": "township",
            "village_zh": "village",
            "source_ids": "sources",
        }
    )
    cases["date"] = ""
    points = _read(lc / "points-system-cases-2020.csv")
    pts = pd.DataFrame(
        {
            "case_id": "PS2020-" + points["list_order"].str.zfill(2),
            "series": "points-system-cases-2020",
            "batch": "1",
            "year": "2020",
            "date": points["date"],
            "title": points["unit_as_named"],
            "title_en": "",
            "province": points["province_zh"],
            "prefecture": points["prefecture_zh"],
            "county": points["county_zh"],
            "township": "",
            "village": "",
            "province_code": points["province_code"],
            "prefecture_code": points["prefecture_code"],
            "county_code": points["county_code"],
            "unit_level": points["unit_level"],
            "practices": "points_system",
            "sources": points["source_ids"],
            "confidence": "medium",
            "notes": (
                "Named by a secondary source (S18) as one of the 8 points-system typical cases "
                "of July 2020; list order "
                + points["list_order"]
                + ". "
                + points["notes"]
                + " Related leading case: "
                + points["related_case_id"].replace("", "none")
                + "."
            ),
        }
    )
    _write(pd.concat([cases, pts])[CASE_COLUMNS], out / "cases.csv")

    batches = _read(lc / "batches.csv")
    b = pd.DataFrame(
        {
            "series": "national-rural-governance-leading-cases",
            "batch": batches["batch"],
            "date": batches["published"],
            "official_count": batches["official_count"],
            "issuers": batches["issuers"],
            "sources": batches["source_ids"],
            "notes": batches["notes"],
        }
    )
    b2 = pd.DataFrame(
        [
            {
                "series": "points-system-cases-2020",
                "batch": "1",
                "date": "2020-07",
                "official_count": "8",
                "issuers": "中央农办、农业农村部",
                "sources": "S18;S19;S11",
                "notes": "Issued with the July 2020 notice on promoting the points system in rural "
                "governance; the 8 units are named by a secondary source (S18).",
            }
        ]
    )
    _write(pd.concat([b, b2]), out / "batches.csv")
    ev = _read(lc / "promotion_events.csv").rename(
        columns={"source_ids": "sources", "title_zh": "title", "title_en": "title_en"}
    )
    _write(ev, out / "promotion_events.csv")
    practices = _read(lc / "practices.csv")
    practices.insert(3, "aliases", practices["tag_id"].map(PRACTICE_ALIASES).fillna(""))
    _write(practices, out / "practices.csv")
    _write(_read(lc / "sources.csv"), out / "sources.csv")
    manifest = {
        "name": "leading-cases",
        "title_en": "National Rural Governance Leading Cases (partial) and the 2020 points-system cases",
        "title_zh": "全国乡村治理典型案例（部分）及2020年积分制典型案例",
        "geography": "china",
        "allow_unresolved": True,
        "series": [
            {
                "id": "national-rural-governance-leading-cases",
                "label_en": "National Rural Governance Leading Cases",
                "label_zh": "全国乡村治理典型案例",
                "official_total": 123,
                "official_total_note": "Batch 1 = 20, batch 4 = 31, batches 2 and 3 together 72 "
                "(derived: 92 for batches 1-3 minus 20); total 123.",
                "batch_groups": [{"batches": [2, 3], "official_count": 72}],
            },
            {
                "id": "points-system-cases-2020",
                "label_en": "Points-system typical cases (July 2020)",
                "label_zh": "乡村治理积分制典型案例（2020年7月）",
                "official_total": 8,
                "official_total_note": "Eight units named by a secondary source (S18); "
                "the copy of the notice (S11) lacks the list.",
            },
        ],
        "files": {
            "cases": "cases.csv",
            "batches": "batches.csv",
            "practices": "practices.csv",
            "promotion_events": "promotion_events.csv",
            "sources": "sources.csv",
        },
    }
    (out / "dataset.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


PILOTS = {
    "broadband_china": (
        "broadband-china.csv",
        "BBC",
        "Broadband China demonstration cities",
        "宽带中国示范城市",
        "Broadband China demonstration city",
        "宽带中国示范城市建设",
    ),
    "ip_demonstration_city": (
        "ip-demonstration-cities.csv",
        "IPC",
        "National IP demonstration cities",
        "国家知识产权示范城市",
        "National intellectual-property demonstration city",
        "国家知识产权示范城市建设",
    ),
}


def build_pilot_lists(src: Path, out_root: Path) -> None:
    out = out_root / "broadband-china"
    cases, batches, practices, sources = [], [], [], []
    for tag, (fname, prefix, label_en, label_zh, prac_en, prac_zh) in PILOTS.items():
        df = _read(src / "pilot-lists" / fname)
        # A printed unit split into several cities (长株潭城市群) is one case with several units.
        first = ~df.duplicated(["batch", "unit_zh"])
        df["n"] = first.groupby(df["batch"]).cumsum()
        cases.append(
            pd.DataFrame(
                {
                    "case_id": prefix + "-" + df["batch"] + "-" + df["n"].astype(str).str.zfill(2),
                    "series": tag,
                    "batch": df["batch"],
                    "year": df["year"],
                    "date": "",
                    "title": df["unit_zh"],
                    "title_en": "",
                    "province": "",
                    "prefecture": "",
                    "county": "",
                    "township": "",
                    "village": "",
                    "province_code": df["province_code"],
                    "prefecture_code": df["prefecture_code"],
                    "county_code": df["county_code"],
                    "unit_level": df["unit_level"],
                    "practices": tag,
                    "sources": df["official_source_url"],
                    "confidence": "high",
                    "notes": df["notes"],
                }
            )
        )
        for (batch, year), g in df.groupby(["batch", "year"]):
            batches.append(
                {
                    "series": tag,
                    "batch": batch,
                    "date": year,
                    "official_count": "39" if tag == "broadband_china" else "",
                    "issuers": "",
                    "sources": ";".join(g["official_source_url"].unique()),
                    "notes": f"{len(g)} rows, {g['unit_zh'].nunique()} units as printed.",
                }
            )
        practices.append(
            {
                "tag_id": tag,
                "label_en": prac_en,
                "label_zh": prac_zh,
                "description": f"Designated in the national list: {label_en} ({label_zh}).",
                "chen2023_category": "",
                "chen2023_keyword": "",
            }
        )
        for url in df["official_source_url"].unique():
            sources.append(
                {"source_id": url, "kind": "official", "citation": url, "supports": f"{label_en}: batch list"}
            )
    _write(pd.concat(cases)[CASE_COLUMNS], out / "cases.csv")
    _write(pd.DataFrame(batches), out / "batches.csv")
    _write(pd.DataFrame(practices), out / "practices.csv")
    _write(pd.DataFrame(sources), out / "sources.csv")
    manifest = {
        "name": "broadband-china",
        "title_en": "Broadband China demonstration cities (2014-2016) and national IP demonstration cities (2012-2013)",
        "title_zh": "宽带中国示范城市（2014—2016）及国家知识产权示范城市（2012—2013）",
        "geography": "china",
        "allow_unresolved": False,
        "series": [
            {
                "id": "broadband_china",
                "label_en": "Broadband China demonstration cities",
                "label_zh": "宽带中国示范城市",
                "official_total": 117,
                "official_total_note": "Three batches of 39 printed units each; 长株潭城市群 is one printed unit "
                "split into 3 cities, so batch 1 has 41 rows.",
            },
            {
                "id": "ip_demonstration_city",
                "label_en": "National IP demonstration cities",
                "label_zh": "国家知识产权示范城市",
                "official_total": 41,
                "official_total_note": "Complete lists of the 2012 (23) and 2013 (18) notices as transcribed.",
            },
        ],
        "transcribed_from": "GitHub axcelchan583-hash/T10ababaababab, commit "
        "a89d6388a0f3b19f1926ca6e21185eee2e12e8ad, "
        "data/external_proxy/policy_seed_lists_20260527.csv",
        "files": {
            "cases": "cases.csv",
            "batches": "batches.csv",
            "practices": "practices.csv",
            "sources": "sources.csv",
        },
    }
    (out / "dataset.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


TEMPLATE_ZH = {
    "case_id": "编号",
    "series": "系列",
    "batch": "批次",
    "year": "年份",
    "title": "案例",
    "province": "省份",
    "prefecture": "地市",
    "county": "区县",
    "township": "乡镇",
    "village": "村",
    "unit_level": "层级",
    "practices": "做法",
    "sources": "来源",
    "confidence": "可信度",
    "notes": "备注",
}


def build_template(out_root: Path) -> None:
    """Case-file templates whose example rows are two real rows of the bundled leading cases."""
    cases = _read(out_root / "leading-cases" / "cases.csv")
    rows = cases[cases["case_id"].isin(["B1-01", "B4-04"])][list(TEMPLATE_ZH)].copy()
    rows["notes"] = "Example row copied from the bundled leading cases; replace it with your own cases."
    _write(rows, out_root / "template" / "cases-template-en.csv")
    zh = rows.rename(columns=TEMPLATE_ZH)
    zh["备注"] = "示例行（取自内置的乡村治理典型案例），请替换为自己的案例。"
    _write(zh, out_root / "template" / "cases-template-zh.csv")


def build(src: Path, out_root: Path) -> None:
    """Write every bundled dataset and geography from ``src`` into ``out_root``."""
    build_geography(src, out_root)
    build_leading_cases(src, out_root)
    build_pilot_lists(src, out_root)
    build_template(out_root)


def main(argv: list[str]) -> None:
    src = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "data"
    out_root = Path(argv[2]) if len(argv) > 2 else ROOT / "data"
    build(src, out_root)
    print(f"wrote bundled data from {src} into {out_root}")


if __name__ == "__main__":
    main(sys.argv)
