"""The tables of a geography folder, checked: units and their hierarchy, adjacency, tile-map positions.

Each function returns the clean table and a list of problems (see :func:`diffusion.errors.problem`),
so that a folder with several faults is reported in one pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.data.io import read_table
from diffusion.errors import ValidationError, problem
from diffusion.i18n import t

__all__ = ["UNIT_COLUMNS", "adjacency_from", "infer_levels", "parent_cycle", "tiles", "units_from"]

UNIT_COLUMNS = ["code", "name_zh", "name_en", "level", "parent", "macro_region", "lat", "lon", "aliases"]


def tiles(path: Path, units: pd.DataFrame) -> pd.DataFrame | None:
    """Optional tile-grid layout (code, row, col) of the top-level units, for tile maps."""
    if not path.is_file():
        return None
    table = read_table(path)
    df = table.frame
    failures = []
    if not {"code", "row", "col"} <= set(df.columns):
        failures.append(
            problem(
                table.path,
                1,
                "code, row, col",
                "",
                t("missing required column"),
                t("columns code, row, col; found {found}", found=list(df.columns)),
                t("add the columns"),
            )
        )
    else:
        for row, (code, r, c) in zip(table.rows, df[["code", "row", "col"]].itertuples(index=False)):
            if code not in units.index:
                failures.append(
                    problem(
                        table.path,
                        row,
                        "code",
                        code,
                        t("code not in units.csv"),
                        t("a unit code"),
                        t("correct the code"),
                    )
                )
            if not (str(r).isdigit() and str(c).isdigit()):
                failures.append(
                    problem(
                        table.path,
                        row,
                        "row/col",
                        f"{r}/{c}",
                        t("not a grid position"),
                        t("whole numbers from 0"),
                        t("correct the position"),
                    )
                )
        if df.duplicated(["row", "col"]).any():
            failures.append(
                problem(
                    table.path,
                    "",
                    "row, col",
                    "",
                    t("two units on one tile"),
                    t("one unit per tile"),
                    t("move one of them"),
                )
            )
    if failures:
        raise ValidationError(failures, source=table.path)
    out = df.assign(row=df["row"].astype(int), col=df["col"].astype(int))
    for col in ("label_en", "label_zh"):  # short tile labels; default: the start of the name
        if col not in out.columns:
            out[col] = out["code"].map(units[col.replace("label", "name")].fillna("")).str[:4]
    return out[["code", "row", "col", "label_en", "label_zh"]]


def units_from(table) -> tuple[pd.DataFrame, list[dict]]:
    df = table.frame.copy()
    path = table.path
    if "name" in df.columns and "name_en" not in df.columns:
        df = df.rename(columns={"name": "name_en"})
    failures = []
    missing = [c for c in ("code", "level") if c not in df.columns]
    if not ({"name_zh", "name_en"} & set(df.columns)):
        missing.append("name_zh or name_en (or name)")
    if missing:
        failures.append(
            problem(
                path,
                1,
                ", ".join(missing),
                "",
                t("missing required column"),
                t("columns code, level, name; found {found}", found=list(df.columns)),
                t("add the column(s) to the header row"),
            )
        )
        return pd.DataFrame(), failures
    for col in UNIT_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    rows = dict(zip(df.index, table.rows))
    dup = df["code"].duplicated(keep=False) & (df["code"] != "")
    for i in df.index[dup]:
        failures.append(
            problem(
                path,
                rows[i],
                "code",
                df.at[i, "code"],
                t("duplicate unit code"),
                t("one row per code"),
                t("remove or renumber the duplicate"),
            )
        )
    for col in ("code", "level"):
        for i in df.index[df[col] == ""]:
            failures.append(
                problem(
                    path,
                    rows[i],
                    col,
                    "",
                    t("empty {field}", field=col),
                    t("a {field} for every unit", field=col),
                    t("fill in the {field}", field=col),
                )
            )
    for i in df.index[(df["name_zh"] == "") & (df["name_en"] == "")]:
        failures.append(
            problem(
                path,
                rows[i],
                "name_zh/name_en",
                "",
                t("unit without a name"),
                t("a Chinese or English name"),
                t("fill in name_en or name_zh"),
            )
        )
    codes = set(df["code"])
    for i in df.index[(df["parent"] != "") & ~df["parent"].isin(codes)]:
        failures.append(
            problem(
                path,
                rows[i],
                "parent",
                df.at[i, "parent"],
                t("parent code not in units.csv"),
                t("the code of another unit, or empty at the top level"),
                t("correct the parent code or add the parent unit"),
            )
        )
    coords = {}
    for col, lim in (("lat", 90), ("lon", 180)):
        vals = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
        bad = (df[col] != "") & (vals.isna() | (vals.abs() > lim))
        for i in df.index[bad]:
            failures.append(
                problem(
                    path,
                    rows[i],
                    col,
                    df.at[i, col],
                    t("invalid {field}", field=col),
                    t("decimal degrees within ±{limit}", limit=lim),
                    t("correct or leave empty"),
                )
            )
        coords[col] = vals
    if failures:
        return pd.DataFrame(), failures
    df["lat"], df["lon"] = coords["lat"], coords["lon"]
    units = df[UNIT_COLUMNS].set_index("code")
    units = units.sort_index(kind="stable")
    cycle = parent_cycle(units["parent"].to_dict())
    if cycle:
        failures.append(
            problem(
                path,
                "",
                "parent",
                " > ".join(cycle),
                t("the parent chain loops"),
                t("a tree: every chain ends at a unit with no parent"),
                t("correct the parent codes"),
            )
        )
    return units, failures


def parent_cycle(parent: dict[str, str]) -> list[str]:
    done: set[str] = set()
    for start in parent:
        path: list[str] = []
        cur = start
        while cur and cur not in done:
            if cur in path:
                return [*path[path.index(cur) :], cur]
            path.append(cur)
            cur = parent.get(cur, "")
        done.update(path)
    return []


def adjacency_from(table, units: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    df = table.frame.copy()
    path = table.path
    if "code_a" in df.columns:
        df = df.rename(columns={"code_a": "a", "code_b": "b"})
    if not {"a", "b"} <= set(df.columns):
        return pd.DataFrame(), [
            problem(
                path,
                1,
                "a, b",
                "",
                t("missing required column"),
                t("columns a, b (unit codes); found {found}", found=list(df.columns)),
                t("name the two code columns a and b"),
            )
        ]
    if "kind" not in df.columns:
        df["kind"] = "land"
    df["kind"] = df["kind"].replace("", "land")
    failures = []
    rows = dict(zip(df.index, table.rows))
    known = set(units.index)
    for col in ("a", "b"):
        for i in df.index[~df[col].isin(known)]:
            failures.append(
                problem(
                    path,
                    rows[i],
                    col,
                    df.at[i, col],
                    t("code not in units.csv"),
                    t("a unit code"),
                    t("correct the code or add the unit"),
                )
            )
    for i in df.index[df["a"] == df["b"]]:
        failures.append(
            problem(
                path,
                rows[i],
                "b",
                df.at[i, "b"],
                t("a unit paired with itself"),
                t("two different units"),
                t("remove the row"),
            )
        )
    a, b = df["a"].where(df["a"] < df["b"], df["b"]), df["b"].where(df["a"] < df["b"], df["a"])
    df["a"], df["b"] = a, b
    dup = df.duplicated(["a", "b"], keep="first")
    for i in df.index[dup]:
        failures.append(
            problem(
                path,
                rows[i],
                "a, b",
                f"{df.at[i, 'a']}-{df.at[i, 'b']}",
                t("pair listed twice"),
                t("each undirected pair once"),
                t("remove the repeat"),
            )
        )
    keep = [c for c in df.columns if c not in ("a", "b", "kind")]
    out = df[["a", "b", "kind", *keep]].sort_values(["a", "b"]).reset_index(drop=True)
    return out, failures


def infer_levels(units: pd.DataFrame) -> list[str]:
    """Order levels from the top down by the parent-level relation (a topological sort)."""
    import networkx as nx  # only for folders without a geography.json

    level = units["level"].to_dict()
    g = nx.DiGraph()
    g.add_nodes_from(sorted(set(level.values())))
    for code, parent in units["parent"].items():
        if parent:
            g.add_edge(level[parent], level[code])
    g.remove_edges_from(nx.selfloop_edges(g))
    try:
        return list(nx.lexicographical_topological_sort(g))
    except nx.NetworkXUnfeasible:
        raise ValidationError(
            [
                problem(
                    "units.csv",
                    "",
                    "level",
                    "",
                    t("levels contain each other in a loop"),
                    t("a parent's level above its child's level"),
                    t('give a geography.json with "levels"'),
                )
            ]
        ) from None
