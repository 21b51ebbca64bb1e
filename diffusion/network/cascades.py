"""Cascades: for each practice, when each unit adopted it (censored units never did), in calendar time.

The input of network inference (:mod:`diffusion.network.netinf_search`). A cascade is one practice; its
adopters are units of one level with their first adoption time, in years since the first period
began (the dataset's calendar, so irregular batches keep their real spacing); every other unit is
censored at the end of observation. A table of any country's adoptions can be read directly with
:meth:`Cascades.from_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diffusion.checks import check_choice, check_number
from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError, ParameterError

__all__ = ["Cascades", "dataset_cascades"]


@dataclass(frozen=True)
class Cascades:
    """Adoption times of ``units`` in each cascade: ``times[c, u]`` (``inf``: censored, never adopted).

    ``end`` is when observation ended (censoring time).
    """

    units: pd.Index
    names: pd.Index
    times: np.ndarray
    end: float

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        unit: str = "unit",
        cascade: str = "cascade",
        time: str = "time",
        units: list[str] | pd.Index | None = None,
        end: float | None = None,
    ) -> Cascades:
        """Cascades from a long table with one row per adoption (a unit's first time in a cascade counts).

        ``units`` lists every unit, adopters or not (default: the units in the table), so units that
        never adopted anything are censored in every cascade; ``end`` is the end of observation
        (default: the last adoption).

        Examples
        --------
        >>> df = pd.DataFrame({"unit": ["a", "b", "a", "c"], "cascade": ["x", "x", "y", "y"], "time": [1, 2, 1, 3]})
        >>> c = Cascades.from_frame(df)
        >>> c.times.tolist()
        [[1.0, 2.0, inf], [1.0, inf, 3.0]]
        """
        missing = [c for c in (unit, cascade, time) if c not in frame.columns]
        if missing:
            raise DiffusionError(
                f"cascades: no column {missing} in the table; columns are {list(frame.columns)}. "
                "Name the unit, cascade and time columns (`unit=`, `cascade=`, `time=`)."
            )
        t = pd.to_numeric(frame[time], errors="coerce")
        bad = t.isna() | ~np.isfinite(t.fillna(0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DiffusionError(
                f"cascades: row {row + 1}, column {time!r}: {frame[time].iloc[row]!r} is not a finite number; "
                f"{int(bad.sum())} rows like it. Give adoption times as numbers (years, days, ...)."
            )
        long = pd.DataFrame(
            {"unit": frame[unit].astype(str), "cascade": frame[cascade].astype(str), "time": t.astype(float)}
        )
        first = long.groupby(["cascade", "unit"], sort=True)["time"].min().reset_index()
        all_units = pd.Index(sorted(first["unit"].unique()) if units is None else [str(u) for u in units])
        outside = sorted(set(first["unit"]) - set(all_units))
        if outside:
            raise DiffusionError(
                f"cascades: {len(outside)} units in the table are not in `units`, e.g. {outside[:5]}; "
                "list every unit there, or leave `units` out."
            )
        names = pd.Index(sorted(first["cascade"].unique()))
        times = np.full((len(names), len(all_units)), np.inf)
        times[names.get_indexer(first["cascade"]), all_units.get_indexer(first["unit"])] = first["time"]
        last = float(first["time"].max()) if len(first) else 0.0
        return cls(all_units, names, times, last if end is None else check_number("end", end, low=last))

    @property
    def sizes(self) -> np.ndarray:
        """Adopters in each cascade."""
        return np.isfinite(self.times).sum(axis=1)

    def window(self, start: float, end: float) -> Cascades:
        """The adoptions in ``(start, end]``; adoptions outside are censored, empty cascades dropped.

        Examples
        --------
        >>> df = pd.DataFrame({"unit": ["a", "b", "a"], "cascade": ["x", "x", "y"], "time": [1, 2, 5]})
        >>> Cascades.from_frame(df).window(0, 2).names.tolist()
        ['x']
        """
        inside = (self.times > start) & (self.times <= end)
        times = np.where(inside, self.times, np.inf)
        keep = inside.any(axis=1)
        return Cascades(self.units, self.names[keep], times[keep], float(end))

    def to_frame(self) -> pd.DataFrame:
        """One row per adoption: ``cascade, unit, time``, by cascade and time."""
        c, u = np.nonzero(np.isfinite(self.times))
        out = pd.DataFrame({"cascade": self.names[c], "unit": self.units[u], "time": self.times[c, u]})
        return out.sort_values(["cascade", "time", "unit"], kind="stable").reset_index(drop=True)

    def check(self) -> None:
        """Refuse cascades NetInf cannot learn from: fewer than two with two or more adopters, or no
        adopter later than another (all adoptions at one time)."""
        informative = int((self.sizes >= 2).sum())
        if informative < 2:
            raise DiffusionError(
                f"network inference needs at least two cascades with two or more adopters; these "
                f"{len(self.names)} cascades have {informative}. Give more practices, a lower level, or a wider window."
            )
        finite = np.isfinite(self.times)
        spans = np.where(finite, self.times, -np.inf).max(axis=1) - np.where(finite, self.times, np.inf).min(axis=1)
        if not (spans > 0).any():
            raise DiffusionError(
                "network inference needs adoptions at different times; in every cascade all adopters adopted "
                "at the same time, so no one can have learnt from anyone. Give dated adoptions from several periods."
            )


def dataset_cascades(ds: Dataset, level: str | None = None) -> Cascades:
    """The cascades of a dataset: one per practice, units of ``level`` (default: the level of the
    neighbour graph), times in years since the first period began; adoptions without a time left out.

    A unit adopts a practice when it or any unit inside it first has a case of it.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> c = dataset_cascades(load_dataset("leading-cases"))
    >>> len(c.units), int((c.sizes >= 2).sum()) >= 1
    (31, True)
    """
    from diffusion.data.periods import period_times
    from diffusion.measures.innovativeness import first_adoptions

    geo = ds.geography
    level = check_choice("level", level or (ds.network.level if ds.network else geo.neighbour_level), geo.levels)
    units = geo.level_units(level).index
    first = first_adoptions(ds, level)
    if first.empty:
        raise ParameterError("level", f"no dated adoption can be placed at level {level!r}; try another level.")
    when = period_times(ds)
    frame = first.assign(time=first["period"].map(when))
    last = float(when.iloc[-1]) if len(when) else 0.0
    return Cascades.from_frame(frame, unit="region", cascade="practice", time="time", units=units, end=last)
