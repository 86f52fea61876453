"""A survey sheet written for another district names places the demo does not have: the refusal lists near
matches (nothing is guessed), and the demo's own survey sample imports cleanly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from envservices import services
from envservices.services.observations import did_you_mean

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = services.open_db(str(tmp_path_factory.mktemp("survey") / "t.sqlite"))
    services.district.create_demo(db, seed=1, scale=0.25, today=dt.date.today() - dt.timedelta(days=1))
    yield db
    db.dispose()


def test_did_you_mean_lists_names_containing_the_words_then_close_spellings():
    names = ["Redditch Town Centre", "Bromsgrove Town Centre", "Winyates", "Lodge Park"]
    assert did_you_mean("Town Centre", names) == (
        " (did you mean 'Bromsgrove Town Centre' or 'Redditch Town Centre'?)")
    assert did_you_mean("Winyate", names) == " (did you mean 'Winyates'?)"
    assert did_you_mean("Nowhere at all", names) == ""


def test_the_council_sample_refuses_each_unknown_place_with_near_matches_and_imports_nothing_wrong(demo):
    preview = services.observations.parse_survey_csv(demo, SAMPLES / "survey_template.csv")
    messages = [m for _, m in preview.errors]
    town = next(m for m in messages if "'Town Centre'" in m)
    assert "Redditch Town Centre" in town and "Bromsgrove Town Centre" in town
    assert all(o.place_id for o in preview.rows)


def test_the_demo_survey_sample_imports_into_the_demo(demo):
    preview = services.observations.parse_survey_csv(demo, SAMPLES / "survey_demo.csv")
    assert preview.errors == ()
    assert services.observations.import_survey(demo, preview) == 9


def test_an_asset_not_at_the_place_is_refused_with_the_places_near_names(demo, tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("place,kind,observed_at,asset,fill_pct\n"
                     "Redditch Town Centre,bin_fill,2026-11-16 09:20,Litter bin 01,50\n", encoding="utf-8")
    preview = services.observations.parse_survey_csv(demo, sheet)
    (_, message), = preview.errors
    assert message.startswith("no asset called 'Litter bin 01' in Redditch Town Centre (did you mean")
