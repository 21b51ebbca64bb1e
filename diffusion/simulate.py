"""Synthetic adoption data with planted effects, on a real geography — clearly labelled synthetic.

Each practice starts with pilots in period 1 (chosen with odds ``east_bias`` times higher in the
East). In every later period a unit that has not adopted adopts with probability

    h = 1 − (1 − p_t) (1 − q · a_neighbours) (1 − q_within · a_parent)

where p_t is the external (promotion) rate — ``p`` times ``promotion_boost`` from the promotion
period on — ``a_neighbours`` the share of the unit's neighbours that adopted before, and
``a_parent`` the share of the other units under the same top-level unit (province) that adopted
before. Neighbours come from the geography's adjacency at the simulated level; where it has none
(China below province level), units under the same parent stand in for neighbours, and the truth
file says so.

The output is a case file in the format users supply (one case per adoption), series
"synthetic", case ids ``SIM-…``, every note saying the row is synthetic, and a ``truth.json``
with every parameter and the seed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from scipy import sparse
from tqdm.auto import tqdm

from diffusion.checks import Seed, as_generator, check_choice, check_int
from diffusion.data.geography import Geography, load_geography
from diffusion.data.influence import InfluenceNetwork
from diffusion.output import atomic_write, write_csv
from diffusion.stats.inference import joblib_workers

__all__ = ["SIMULATION_HELP", "SimulationParameters", "planar_geography", "simulate", "write_simulation"]

SERIES = "synthetic"


@dataclass(frozen=True)
class SimulationParameters:
    """The true parameters of a simulation (written to ``truth.json``)."""

    level: str = "county"
    practices: int = 5
    periods: int = 10
    pilots: int = 3
    p: float = 0.002
    q: float = 0.3
    q_within: float = 0.05
    east_bias: float = 2.0
    promotion_period: int | None = 5
    promotion_boost: float = 5.0
    start_year: int = 2001
    seed: int = 0


#: What each parameter means (the CLI's help).
SIMULATION_HELP = {
    "level": "level of the units",
    "practices": "number of practices",
    "periods": "number of periods",
    "pilots": "pilot units per practice in period 1",
    "p": "external (promotion) adoption rate per period",
    "q": "imitation of neighbours (times the share of neighbours that adopted)",
    "q_within": "imitation within the province (times the share of its units that adopted)",
    "east_bias": "odds of an Eastern unit being a pilot, relative to others",
    "promotion_period": "period from which the external rate is boosted (0: never)",
    "promotion_boost": "factor of the external rate from the promotion period",
    "start_year": "calendar year of period 1",
    "seed": "seed of the simulation",
}


def planar_geography(n_units: int = 2846, n_top: int = 31, *, seed: Seed = 0) -> Geography:
    """A synthetic near-planar geography: ``n_units`` "county" units at random points, grouped into
    ``n_top`` "province" units by nearest seed point, neighbours by Delaunay triangulation.

    For benchmarks and simulations at scales where no real adjacency is at hand (it is not China).

    Examples
    --------
    >>> geo = planar_geography(200, 5, seed=1)
    >>> geo.levels, geo.population("county"), geo.neighbour_level
    (('province', 'county'), 200, 'county')
    """
    from scipy.spatial import Delaunay, cKDTree

    rng = as_generator(seed)
    points = rng.random((n_units, 2))
    centres = rng.random((n_top, 2))
    parent = cKDTree(centres).query(points)[1]
    regions = ["East", "Central", "West", "Northeast"]
    top = pd.DataFrame(
        {
            "code": [f"P{i:03d}" for i in range(n_top)],
            "name_zh": "",
            "name_en": [f"Province {i}" for i in range(n_top)],
            "level": "province",
            "parent": "",
            "macro_region": [regions[min(3, int(c[0] * 3))] for c in centres],
            "lat": 20 + 25 * centres[:, 1],
            "lon": 80 + 45 * centres[:, 0],
            "aliases": "",
        }
    )
    low = pd.DataFrame(
        {
            "code": [f"C{i:06d}" for i in range(n_units)],
            "name_zh": "",
            "name_en": [f"County {i}" for i in range(n_units)],
            "level": "county",
            "parent": [f"P{j:03d}" for j in parent],
            "macro_region": top["macro_region"].to_numpy()[parent],
            "lat": 20 + 25 * points[:, 1],
            "lon": 80 + 45 * points[:, 0],
            "aliases": "",
        }
    )
    units = pd.concat([top, low], ignore_index=True).set_index("code")
    pairs = set()
    for tri in Delaunay(points).simplices:
        for a, b in ((tri[0], tri[1]), (tri[1], tri[2]), (tri[0], tri[2])):
            pairs.add((min(a, b), max(a, b)))
    adjacency = pd.DataFrame(sorted(pairs), columns=["a", "b"])
    adjacency = adjacency.assign(
        a=[f"C{i:06d}" for i in adjacency["a"]], b=[f"C{i:06d}" for i in adjacency["b"]], kind="land"
    )
    return Geography(
        name=f"planar-{n_units}",
        units=units,
        adjacency=adjacency,
        levels=("province", "county"),
        title=f"Synthetic near-planar geography ({n_units} units, seed {seed}); not a real country",
        notes="synthetic",
    )


def _neighbours(
    geo: Geography, level: str, units: pd.Index, network: InfluenceNetwork | None, years: list[str]
) -> tuple[list[sparse.csr_matrix], str]:
    """The ties of each simulated period (looker x influencer), and what they are."""
    n = len(units)
    if network is not None and network.level == level:
        looker, influencer = network.influence_arrays(units)
        active = network.active(years)
        adjs = [
            sparse.csr_matrix((np.ones(int(on.sum())), (looker[on], influencer[on])), shape=(n, n)) for on in active.T
        ]
        for adj in adjs:
            adj.data[:] = 1.0  # a tie listed twice counts once
        return adjs, str(network.describe())
    if not geo.adjacency.empty and geo.neighbour_level == level:
        pairs = geo.neighbour_pairs(level)[1].tolist()  # its units are ``units``: the level's, in code order
        kind = f"adjacency at level {level}"
    else:
        parent = pd.Series([geo.units.at[u, "parent"] for u in units], index=range(len(units)))
        pairs = [(i, j) for _, g in parent.groupby(parent) for i in g.index for j in g.index if i < j]
        kind = f"units under the same parent (the geography has no adjacency at level {level})"
    if not pairs:
        return [sparse.csr_matrix((n, n))] * len(years), kind
    a, b = np.array(pairs).T
    adj = sparse.csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    return [adj] * len(years), kind


@dataclass(frozen=True)
class _World:
    """What every practice's simulation shares: neighbours, provinces and pilot weights."""

    adjs: list[sparse.csr_matrix]  # ties of each period (1, 2, ...): a time-stamped network changes
    degrees: list[np.ndarray]
    same_top: np.ndarray
    group_size: np.ndarray
    weights: np.ndarray


CHUNK = 16  # practices simulated together as the columns of one array (and one child seed)


def _practices(world: _World, params: SimulationParameters, rng: np.random.Generator, k: int) -> np.ndarray:
    """Adoption period of every unit (rows) for ``k`` practices (columns); inf: never adopted."""
    n = len(world.same_top)
    members = sparse.csr_matrix((np.ones(n), (world.same_top, np.arange(n))))  # provinces x units
    others = (world.group_size[world.same_top] - 1)[:, None]
    when = np.full((n, k), np.inf)
    for j in range(k):
        when[rng.choice(n, size=min(params.pilots, n), replace=False, p=world.weights / world.weights.sum()), j] = 1
    for t in range(2, params.periods + 1):
        adopted = (when < t).astype(float)
        adj, degree = world.adjs[t - 1], world.degrees[t - 1][:, None]
        share_nb = np.divide(adj @ adopted, degree, out=np.zeros((n, k)), where=degree > 0)
        within = (members @ adopted)[world.same_top] - adopted
        share_top = np.divide(within, others, out=np.zeros((n, k)), where=others > 0)
        p_t = params.p * (params.promotion_boost if params.promotion_period and t >= params.promotion_period else 1)
        hazard = 1 - (1 - p_t) * (1 - params.q * share_nb) * (1 - params.q_within * share_top)
        when[(when == np.inf) & (rng.random((n, k)) < hazard)] = t
    return when


def simulate(
    geography: Geography | None = None,
    params: SimulationParameters | None = None,
    *,
    network: InfluenceNetwork | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Simulate adoption; returns (case table in the user format, truth dictionary).

    Contagion runs along ``network`` where it is at the simulated level (its ties active in each
    simulated year), else along the geography's adjacency, else among units of the same parent.

    Examples
    --------
    >>> cases, truth = simulate(params=SimulationParameters(level="province", practices=2, periods=4), progress=False)
    >>> set(cases["series"]), truth["synthetic"]
    ({'synthetic'}, True)
    """
    geo = geography or load_geography()
    params = params or SimulationParameters()
    check_choice("level", params.level, geo.levels)
    for name, low in (("periods", 2), ("practices", 1), ("pilots", 1), ("seed", 0)):
        check_int(name, getattr(params, name), low=low)
    units = geo.level_units(params.level).index
    n = len(units)
    top = geo.levels[0]
    tops = np.array([geo.ancestor_at(u, top) or u for u in units])
    east = np.array([geo.macro_region(t) == "East" for t in tops])
    weights = np.where(east, params.east_bias, 1.0)
    years = [f"{params.start_year + t - 1:04d}" for t in range(1, params.periods + 1)]
    adjs, neighbour_kind = _neighbours(geo, params.level, units, network, years)
    degrees = [np.asarray(adj.sum(axis=1)).ravel() for adj in adjs]
    same_top = pd.factorize(tops)[0]
    group_size = np.bincount(same_top)
    world = _World(adjs, degrees, same_top, group_size, weights)
    # Each chunk of practices draws from its own child seed, so the output is the same for any
    # number of workers (threads: the steps are numpy and scipy calls on whole arrays).
    sizes = [min(CHUNK, params.practices - start) for start in range(0, params.practices, CHUNK)]
    seeds = np.random.SeedSequence(params.seed).spawn(len(sizes))
    jobs = joblib.Parallel(return_as="generator", **joblib_workers(n_jobs, len(sizes)))(
        joblib.delayed(_practices)(world, params, np.random.default_rng(s), k) for s, k in zip(seeds, sizes)
    )
    show = (len(sizes) > 1 and sys.stderr.isatty()) if progress is None else progress
    done = np.concatenate(list(tqdm(jobs, total=len(sizes), disable=not show, desc="simulating", unit="chunk")), axis=1)
    unit, practice = np.nonzero(np.isfinite(done.T))[::-1]
    rows = [(units[i], f"practice_{k + 1}", int(done[i, k])) for i, k in zip(unit, practice)]
    cases = _case_table(geo, params, rows)
    truth = {
        "synthetic": True,
        "generator": "policy-diffusion simulate",
        **asdict(params),
        "neighbours": neighbour_kind,
        "units": n,
        "adoptions": len(cases),
    }
    return cases, truth


def _case_table(geo: Geography, params: SimulationParameters, rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    data = pd.DataFrame(rows, columns=["unit", "practices", "batch"]).sort_values(["batch", "practices", "unit"])
    out = pd.DataFrame(
        {
            "case_id": [f"SIM-{i:06d}" for i in range(1, len(data) + 1)],
            "series": SERIES,
            "batch": data["batch"].to_numpy(),
            "year": params.start_year + data["batch"].to_numpy() - 1,
            "unit_code": data["unit"].to_numpy(),
            "practices": data["practices"].to_numpy(),
            "notes": "synthetic: simulated by policy-diffusion, not an observed case",
        }
    )
    return out.reset_index(drop=True)


def write_simulation(
    out_dir: str | Path,
    geography: Geography | None = None,
    params: SimulationParameters | None = None,
    *,
    network: InfluenceNetwork | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> Path:
    """Simulate and write ``cases.csv``, ``practices.csv`` and ``truth.json`` into ``out_dir``.

    Returns the case file's path; read it with ``read_cases(path, vocabulary=out_dir / "practices.csv")``.
    """
    cases, truth = simulate(geography, params, network=network, n_jobs=n_jobs, progress=progress)
    out_dir = Path(out_dir)
    tags = sorted(cases["practices"].unique(), key=lambda t: int(t.rsplit("_", 1)[1]))
    vocab = pd.DataFrame(
        {
            "tag_id": tags,
            "label_en": [f"Synthetic practice {t.rsplit('_', 1)[1]}" for t in tags],
            "label_zh": [f"模拟做法{t.rsplit('_', 1)[1]}" for t in tags],
            "description": "synthetic practice of a simulation",
        }
    )
    path = write_csv(cases, out_dir / "cases.csv")
    write_csv(vocab, out_dir / "practices.csv")
    text = json.dumps(truth, indent=1, sort_keys=True)
    atomic_write(out_dir / "truth.json", lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    return path
