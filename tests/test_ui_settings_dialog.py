"""The settings dialog: every number offered, bad values refused at the field, good ones stored in the database."""

from __future__ import annotations

import dataclasses
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from envservices import services  # noqa: E402
from envservices.domain.settings import Settings  # noqa: E402
from envservices.ui.dialogs.settings_dialog import SettingsDialog, numeric_keys  # noqa: E402
from ui_helpers import save_screenshot  # noqa: E402


@pytest.fixture()
def db(tmp_path):
    database = services.open_db(f"sqlite:///{tmp_path / 'settings.sqlite'}")
    yield database
    database.dispose()


@pytest.fixture()
def dialog(qtbot, db):
    d = SettingsDialog(db)
    qtbot.addWidget(d)
    d.show()
    return d


def test_every_numeric_setting_has_a_field_with_its_value(dialog):
    """Each number of Settings can be edited, and shows the stored value in the shown unit."""
    assert set(dialog.editors) == set(numeric_keys())
    assert dialog.editors["bin_intervention_pct"].text() == "80"
    assert dialog.editors["bin_empty_s"].text() == "3"  # 180 s shown as minutes
    assert dialog.editors["grass_season_start_month"].text() == "3"


def test_negative_threshold_is_refused_at_the_field_and_nothing_is_saved(dialog, db):
    """A negative threshold gets a message next to its field; the stored settings stay as they were."""
    dialog.editors["grass_cut_mm"].setText("-5")
    assert dialog.save() is False
    assert dialog.field_message("grass_cut_mm") == "Cannot be negative."
    assert dialog.messages["grass_cut_mm"].isVisible()
    assert dialog.isVisible()
    assert services.settings.load(db).grass_cut_mm == Settings().grass_cut_mm


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("cost_per_km", "abc", "'abc' is not a number as written in the UK: write it like 4000, 4,000 or 4000.5 "
                               "(a comma separates thousands, a point starts the decimals)."),
        ("speed_kph", "0", "Must be more than zero."),
        ("grass_season_end_month", "2.5", "Enter a whole number."),
        ("bin_intervention_pct", "", "Enter a number."),
        ("grass_cut_to_mm", "90", "Must be lower than the height at which grass is cut."),
        ("speed_kph", "1e308", "Must be at most 130."),
        ("speed_kph", "2", "Must be 5 to 130."),
        ("bin_empty_s", "120", "Must be 0.167 to 60."),
    ],
)
def test_bad_values_get_a_sentence_at_their_field(dialog, key, text, message):
    """Wrong entries are named at the field in plain words, never as a traceback."""
    dialog.editors[key].setText(text)
    assert dialog.save() is False
    assert dialog.field_message(key) == message


def test_valid_settings_are_saved_and_read_back(qtbot, dialog, db):
    """Saving stores the new values (in stored units); a new dialog shows them again."""
    saved = []
    dialog.settingsSaved.connect(saved.append)
    dialog.editors["grass_cut_mm"].setText("80")
    dialog.editors["bin_empty_s"].setText("4.5")
    dialog.editors["cost_per_crew_hour"].setText("65.5")
    assert dialog.save() is True
    stored = services.settings.load(db)
    assert stored.grass_cut_mm == 80.0
    assert stored.bin_empty_s == pytest.approx(270.0)
    assert stored.cost_per_crew_hour == 65.5
    assert saved and saved[0] == stored
    again = SettingsDialog(db)
    qtbot.addWidget(again)
    assert again.editors["grass_cut_mm"].text() == "80"
    assert again.editors["bin_empty_s"].text() == "4.5"
    save_screenshot(again, "settings_dialog")


def test_restore_defaults_fills_the_fields_without_saving(dialog, db):
    """Restore defaults puts the defaults in the fields; the database changes only on Save."""
    services.settings.save(db, dataclasses.replace(Settings(), grass_cut_mm=90.0))
    d = SettingsDialog(db)
    assert d.editors["grass_cut_mm"].text() == "90"
    d.restore_defaults()
    assert d.editors["grass_cut_mm"].text() == "75"
    assert services.settings.load(db).grass_cut_mm == 90.0
    d.deleteLater()


def test_numbers_are_read_as_written_in_the_uk(dialog, db):
    """'4,000' m² an hour is four thousand, never 4.0; a comma out of place ('4,5') is refused with a sentence
    and nothing is saved."""
    dialog.editors["mow_ride_on_m2_per_h"].setText("4,000")
    dialog.editors["cost_per_crew_hour"].setText("1,250.50")
    assert dialog.save() is True
    stored = services.settings.load(db)
    assert stored.mow_ride_on_m2_per_h == 4000.0
    assert stored.cost_per_crew_hour == 1250.5
    dialog.editors["mow_ride_on_m2_per_h"].setText("4,5")
    assert dialog.save() is False
    assert "not a number as written in the UK" in dialog.field_message("mow_ride_on_m2_per_h")
    assert services.settings.load(db).mow_ride_on_m2_per_h == 4000.0


def test_every_field_shows_its_unit_beside_it(dialog):
    """The unit sits next to each curated field (minutes, m² an hour, £ an hour...)."""
    from PySide6.QtWidgets import QLabel

    row = dialog.editors["mow_ride_on_m2_per_h"].parentWidget()
    assert "m² an hour" in [w.text() for w in row.findChildren(QLabel)]
