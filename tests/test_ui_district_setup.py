"""District set-up in the desktop: an administrator edits a place's team and rota, an area's trial, the
catalogue and the rules; a bad row is refused in one sentence and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from envservices import services

pytest.importorskip("pytestqt")
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture()
def db(tmp_path):
    database = services.open_db(str(tmp_path / "d.sqlite"))
    services.district.import_file(database, SAMPLES / "places.gpkg", kind="place", area="Redditch")
    services.district.import_file(database, SAMPLES / "assets.gpkg", kind="litter_bin", layer="litter_bin")
    services.crews.import_file(database, SAMPLES / "depots_template.csv", kind="depots")
    services.crews.import_file(database, SAMPLES / "crews_template.csv", kind="crews")
    services.rota_sheet.import_rota(database, SAMPLES / "rota_template.csv")
    yield database
    database.dispose()


def test_edit_a_place_rota_team_and_trial(qtbot, db, tmp_path):
    from envservices.ui.dialogs.district_setup_dialog import DistrictSetupDialog

    dialog = DistrictSetupDialog(db)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 700)
    dialog.place.setCurrentIndex(dialog.place.findText("Town Centre"))
    before = len(dialog.rota.rows())
    assert before == 4  # bins, litter, sweep from the template and... the place's own lines
    dialog.rota.add_row({"service": "litter pick", "days": "Sun"})
    assert not dialog.save_place()
    assert "no crew works on Sun" in dialog.status.text()
    assert len(services.rota_sheet.place_rota(db, "Town Centre")) == before
    dialog.rota.removeRow(dialog.rota.rowCount() - 1)
    dialog.rota.add_row({"service": "litter pick", "days": "Tue;Thu"})
    dialog.team.setCurrentIndex(dialog.team.findText("Town Centre team"))
    assert dialog.save_place(), dialog.status.text()
    assert len(services.rota_sheet.place_rota(db, "Town Centre")) == before + 1
    row = dialog.areas.rows()[0]
    dialog.areas.item(0, 1).setText("needs")
    dialog.areas.item(0, 2).setText("2026-05-04")
    assert dialog.save_areas(), dialog.status.text()
    assert services.council.list_areas(db)[0]["regime"] == "needs" and row["name"] == "Redditch"
    dialog.tabs.setCurrentIndex(1)
    dialog.grab().save(str(tmp_path / "district_setup.png"))


def test_add_a_service_and_a_cyclic_rule_is_refused(qtbot, db):
    from envservices.ui.dialogs.district_setup_dialog import DistrictSetupDialog

    dialog = DistrictSetupDialog(db)
    qtbot.addWidget(dialog)
    dialog.catalogue.add_row({"code": "leaf_clear", "name": "Leaf clearance", "skill": "litter_pick",
                              "asset_kinds": "street_length", "unit": "m", "setup_minutes": "5",
                              "units_per_hour": "400", "months": "Oct-Dec"})
    assert dialog.save_services(), dialog.status.text()
    assert "leaf_clear" in {s.code for s in services.council.catalogue(db)}
    dialog.rules.add_row({"kind": "before", "first": "mow", "second": "litter pick"})
    assert not dialog.save_rules()
    assert "cycle" in dialog.status.text()


def test_closed_periods_and_calendar_in_the_desktop(qtbot, db):
    from envservices.ui.dialogs.district_setup_dialog import DistrictSetupDialog

    dialog = DistrictSetupDialog(db)
    qtbot.addWidget(dialog)
    dialog.closed.add_row({"place": "Town Centre", "service": "empty bins", "days": "Mon-Fri", "from": "08:15",
                           "to": "09:15", "reason": "school run"})
    assert dialog.save_closed(), dialog.status.text()
    assert len(services.council.closed_periods(db)) == 5
    dialog.closed.add_row({"place": "Town Centre", "service": "empty bins", "from": "05:00", "to": "20:00"})
    assert not dialog.save_closed() and "all day" in dialog.status.text()
    assert len(services.council.closed_periods(db)) == 5
    dialog.calendar.add_row({"date": "24/12/2026", "name": "depot closed"})
    assert dialog.save_calendar(), dialog.status.text()
    assert services.council.calendar_rows(db) == [{"date": "2026-12-24", "name": "depot closed", "kind": "closed"}]
