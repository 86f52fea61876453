"""The hostile corpus (tests/hostile_corpus.py) imported through the command line, file by file.

For every file: no traceback and no "unexpected error" (exit code never 3); a refusal is one sentence on
stderr and leaves every table exactly as it was; an accepted file leaves `check` passing and stores no value
outside the plausible ranges; and after each family's accepted files `plan` still runs. The quick test takes
a seeded third of the corpus; the full corpus is marked slow. Counts are printed for the README.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hostile_corpus import SAMPLES, Case, corpus
from test_hostile import fingerprint

from envservices.cli import main
from envservices.domain.limits import ASSET_LIMITS, BNG_VALID_AREA_M, LIMITS, capacity_range
from envservices.errors import UserError
from envservices.services import maintenance, observations
from envservices.storage import open_database

SEED = 16


def _cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def _load_samples(db: str) -> None:
    for args in (["import", str(SAMPLES / "places.gpkg"), "--kind", "place", "--area", "Sample"],
                 ["import", str(SAMPLES / "assets.gpkg")],
                 ["import", str(SAMPLES / "depots_template.csv"), "--kind", "depots"],
                 ["import", str(SAMPLES / "crews_template.csv"), "--kind", "crews"]):
        code, _out, err = _cli([*args, "--db", db])
        assert code == 0, err


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples as a council would start: places, bins, depots and crews."""
    path = tmp_path_factory.mktemp("corpus-base") / "base.sqlite"
    _load_samples(str(path))
    return path


def _fingerprint(db: str) -> dict[str, str]:
    """Every table's row count and a hash of its contents, on SQLite or PostgreSQL."""
    if not db.startswith("postgresql"):
        return fingerprint(Path(db))
    import psycopg

    out = {}
    with psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://")) as connection:
        tables = [r[0] for r in connection.execute(
            "select tablename from pg_tables where schemaname = 'public' and tablename <> 'spatial_ref_sys'")]
        for table in sorted(tables):
            count, digest = connection.execute(
                f'select count(*), md5(coalesce(string_agg(t::text, \'|\' order by t::text), \'\')) from "{table}" t'
            ).fetchone()
            out[table] = f"{count}:{digest}"
    return out


def _plausible(db_url: str) -> None:
    """Nothing stored lies outside the domain's plausible ranges or British National Grid's area."""
    db = open_database(db_url)
    try:
        x0, y0, x1, y1 = BNG_VALID_AREA_M
        with db.unit_of_work() as uow:
            for a in uow.assets.list():
                if a.capacity_l is not None:
                    assert a.capacity_l in capacity_range(a.kind), (a.id, a.capacity_l)
                assert a.site_factor in LIMITS["site_factor"], (a.id, a.site_factor)
                bx0, by0, bx1, by1 = a.geometry.bounds
                assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, a.id
            for s in uow.sites.list():
                assert s.unload_s / 60 in LIMITS["unload_min"] and s.geometry.x <= x1, s.name
            for v in uow.vehicles.list():
                assert v.capacity_l in LIMITS["vehicle_capacity_l"], v.name
            for o in uow.observations.list():
                for value, key in ((o.fill_pct, "fill_pct"), (o.height_mm, "height_mm"), (o.count, "count")):
                    assert value is None or value in LIMITS[key], (o.id, key, value)
    finally:
        db.dispose()
    assert set(ASSET_LIMITS)  # the table is in use


def _survey(db_url: str, case: Case) -> int:
    """Survey sheets go through the service the desktop uses (there is no survey command)."""
    db = open_database(db_url)
    try:
        preview = observations.parse_survey_csv(db, case.path)
        if preview.errors:
            return 2
        observations.import_survey(db, preview)
        return 0
    except UserError:
        return 2
    finally:
        db.dispose()


def _run(cases: list[Case], base_db: Path | str, folder: Path) -> Counter:
    """Each family on a fresh copy of the base SQLite file, or all on one PostgreSQL database (a URL)."""
    counts: Counter = Counter()
    by_family: dict[str, list[Case]] = {}
    for case in cases:
        by_family.setdefault(case.family, []).append(case)
    for family, members in by_family.items():
        if isinstance(base_db, Path):
            db_path = str(folder / f"{family.replace(' ', '-')}.sqlite")
            shutil.copy(base_db, db_path)
        else:
            db_path = base_db
        accepted = 0
        for case in members:
            before = _fingerprint(db_path)
            if case.command == "survey":
                code, out, err = _survey(db_path, case), "", ""
            else:
                code, out, err = _cli(["import", str(case.path), *case.args, "--db", db_path])
            what = f"{case.path.name} {' '.join(case.args)}: exit {code}: {err.strip()[:300]}"
            counts["imports"] += 1
            assert code != 3 and "Traceback" not in out + err and "unexpected error" not in err, what
            if code == 0:
                counts["accepted"] += 1
                accepted += 1
                report = maintenance.check(_open(db_path))
                assert report["ok"], (what, report["messages"])
                _plausible(db_path)
            else:
                counts["refused"] += 1
                assert code == 2, what
                assert case.command == "survey" or (err.startswith("envservices: ") and err.count("\n") == 1), what
                assert _fingerprint(db_path) == before, f"a refused import changed the database: {what}"
        if accepted:
            plan_out = folder / f"{family.replace(' ', '-')}-plan.json"
            code, _out, err = _cli(["plan", "--week", "2026-W26", "--source", "needs", "--time-limit", "1",
                                    "--no-save", "--out", str(plan_out), "--db", db_path])
            assert code in (0, 1), f"plan after the {family} family: {err}"
            counts["plans"] += 1
    return counts


_open_dbs: list = []


def _open(db_url: str):
    db = open_database(db_url)
    _open_dbs.append(db)
    return db


@pytest.fixture(autouse=True)
def _dispose():
    yield
    while _open_dbs:
        _open_dbs.pop().dispose()


def _report(cases: list[Case], counts: Counter) -> None:
    files = len({c.path for c in cases})
    print(f"\nhostile corpus (seed {SEED}): {files} files, {counts['imports']} imports, {counts['accepted']} accepted, "
          f"{counts['refused']} refused with one sentence, 0 unexpected errors, 0 absurd values stored, "
          f"{counts['plans']} plans run after accepted files, 0 broken")


def test_a_seeded_third_of_the_hostile_corpus(base_db: Path, tmp_path: Path):
    cases = corpus(tmp_path / "files", SEED)
    chosen = sorted(random.Random(SEED).sample(range(len(cases)), math.ceil(len(cases) / 3)))
    picked = [cases[i] for i in chosen]
    counts = _run(picked, base_db, tmp_path)
    _report(picked, counts)
    assert counts["accepted"] and counts["refused"]


@pytest.mark.slow
def test_the_whole_hostile_corpus(base_db: Path, tmp_path: Path):
    cases = corpus(tmp_path / "files", SEED)
    assert len(cases) >= 300
    counts = _run(cases, base_db, tmp_path)
    _report(cases, counts)


@pytest.mark.slow
@pytest.mark.postgis
def test_a_seeded_third_of_the_hostile_corpus_on_postgres(pg_url: str, tmp_path: Path):
    """The same files against PostgreSQL+PostGIS, where JSONB and geometry types are stricter."""
    _load_samples(pg_url)
    cases = corpus(tmp_path / "files", SEED)
    chosen = sorted(random.Random(SEED).sample(range(len(cases)), math.ceil(len(cases) / 3)))
    picked = [cases[i] for i in chosen]
    counts = _run(picked, pg_url, tmp_path)
    _report(picked, counts)
    assert counts["accepted"] and counts["refused"]
