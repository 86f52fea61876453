"""The sample files a council starts from import cleanly, in order, into a fresh database via the services."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from envservices import services
from envservices.domain import AssetKind, IntensityZone, ObservationKind, SiteKind
from envservices.resources import resource_path
from envservices.services import crews

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
ASSET_LAYERS = {"litter_bin": 10, "dog_bin": 4, "grass_area": 6, "street_length": 6}


def _import_all(db) -> dict[str, object]:
    """Places, then assets, depots, crews and the survey: the order the user guide gives."""
    out: dict[str, object] = {}
    out["places"] = services.district.import_file(db, SAMPLES / "places.gpkg", kind="place", area="Redditch")
    for layer in ASSET_LAYERS:
        out[layer] = services.district.import_file(db, SAMPLES / "assets.gpkg", kind=layer, layer=layer)
    out["assets_csv"] = services.district.import_file(db, SAMPLES / "assets_template.csv")
    depots = crews.parse_depots_csv(db, SAMPLES / "depots_template.csv")
    assert depots.errors == ()
    out["depots"] = crews.import_depots(db, depots)
    preview = crews.parse_crews_csv(db, SAMPLES / "crews_template.csv")
    assert preview.errors == ()
    out["crews"] = crews.import_crews(db, preview)
    survey = services.observations.parse_survey_csv(db, SAMPLES / "survey_template.csv")
    assert survey.errors == ()
    out["survey"] = services.observations.import_survey(db, survey)
    return out


@pytest.fixture()
def db(tmp_path):
    database = services.open_db(str(tmp_path / "t.sqlite"))
    yield database
    database.dispose()


def test_samples_are_found_where_the_installed_app_looks():
    assert resource_path("samples", "places.gpkg") == SAMPLES / "places.gpkg"
    for name in ("assets.gpkg", "assets_template.csv", "depots_template.csv", "crews_template.csv",
                 "survey_template.csv"):
        assert resource_path("samples", name).is_file()


def test_every_sample_imports_cleanly_with_the_expected_counts(db):
    reports = _import_all(db)

    places = reports["places"]
    assert places["places"] == 6 and places["problems"] == [] and places["warnings"] == []
    for layer, expected in ASSET_LAYERS.items():
        report = reports[layer]
        assert report["assets"] == {layer: expected}
        assert report["problems"] == [] and report["not_in_place"] == 0 and report["in_two_places"] == 0
    csv_report = reports["assets_csv"]
    assert csv_report["assets"] == {"litter_bin": 3, "dog_bin": 2, "recycling_bin": 1}
    assert csv_report["problems"] == [] and csv_report["not_in_place"] == 0
    assert reports["depots"] == 2 and reports["crews"] == 4 and reports["survey"] == 10

    summary = services.district.summary(db)
    assert summary["areas"] == 1 and summary["places"] == 6
    assert summary["assets"] == {"dog_bin": 6, "grass_area": 6, "litter_bin": 13, "recycling_bin": 1,
                                 "street_length": 6}
    assert summary["crews"] == 4 and summary["sites"] == 2 and summary["observations"] == 10


def test_sample_attributes_arrive_in_the_database(db):
    _import_all(db)
    with db.unit_of_work() as uow:
        places = {p.name: p for p in uow.places.list()}
        assets = {a.name: a for a in uow.assets.list()}
        sites = {s.name: s for s in uow.sites.list()}
        crew_list = {c.name: c for c in uow.crews.list()}
        vehicles = {v.id: v for v in uow.vehicles.list()}
        observations = uow.observations.list()
    centre = places["Town Centre"]
    assert centre.character == "town centre" and centre.zone is IntensityZone.HIGH
    assert places["Callow Hill Lanes"].zone is IntensityZone.LOW
    centroid = centre.geometry.centroid
    assert 403_500 <= centroid.x <= 404_300 and 267_300 <= centroid.y <= 268_000
    market_bin = assets["Market Place bin 1"]
    assert market_bin.kind is AssetKind.LITTER_BIN and market_bin.capacity_l == 240
    assert market_bin.place_id == centre.id
    assert assets["Alcester Street"].zone is IntensityZone.HIGH
    assert assets["Alcester Street"].sweep_method == "manual"
    assert assets["Arrow Valley main field"].mower == "ride_on"
    assert assets["Arrow Valley main field"].site_factor == pytest.approx(1.1)
    assert assets["Church Hill recycling point"].place_id == places["Church Hill Estate"].id
    assert sites["Crossgates Depot"].kind is SiteKind.DEPOT
    assert sites["Crossgates Recycling Centre"].kind is SiteKind.TIP
    assert sites["Crossgates Recycling Centre"].unload_s == 20 * 60
    grounds = crew_list["Parks grounds team"]
    assert grounds.depot_id == sites["Crossgates Depot"].id
    assert [m.name for m in grounds.members] == ["Owen Price", "Kerry Hall"]
    assert vehicles[grounds.vehicle_id].equipment == {"mower", "strimmer", "hedge_cutter"}
    sweeper = crew_list["Sweeper 1"]
    assert sweeper.days_off == {6, 0} and sweeper.shift_start_s == 6 * 3600
    by_kind: dict[ObservationKind, int] = {}
    for o in observations:
        by_kind[o.kind] = by_kind.get(o.kind, 0) + 1
    assert by_kind == {ObservationKind.LITTER_GRADE: 4, ObservationKind.BIN_FILL: 3,
                       ObservationKind.GRASS_HEIGHT: 1, ObservationKind.FLY_TIP: 1,
                       ObservationKind.COMPLAINT: 1}
    fill = next(o for o in observations if o.kind is ObservationKind.BIN_FILL and o.fill_pct == 90)
    assert fill.asset_id == market_bin.id


def test_survey_template_has_the_columns_the_survey_reader_needs():
    with (SAMPLES / "survey_template.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["place", "kind", "observed_at", "asset", "grade", "fill_pct", "height_mm", "count",
                      "recorded_by", "note"]
    assert set(services.observations.SURVEY_COLUMNS) <= set(header)
