"""Each crew-day's worksheet carries a QR code opening that crew-day on a phone (issue 15)."""

from __future__ import annotations

import datetime as dt
import os
import re

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from field_helpers import DAY, make_field_db  # noqa: E402

from envservices import services  # noqa: E402
from envservices.reports.qr import qr_png  # noqa: E402
from envservices.services import field  # noqa: E402
from envservices.ui.reports.worksheets import PlanLookups, write_worksheets  # noqa: E402

SHOTS = os.environ.get("ENVSERVICES_SHOTS")


def test_qr_png_is_an_image_of_the_link():
    """segno draws the link as a PNG QR code."""
    png = qr_png("http://depot.local:8765/crew/abc.def")
    assert png.startswith(b"\x89PNG") and len(png) > 200


def test_worksheets_carry_the_crew_day_link_as_a_qr_code(tmp_path, qapp):
    """With a server address stored, every crew-day of a stored plan gets a link that opens that crew-day,
    and the worksheet PDF draws it as an image; without one, no image is drawn."""
    db = make_field_db(tmp_path / "w.sqlite")
    plan = services.planning.load_plan(db, "2026-W49")
    assert field.crew_day_urls(db, plan) == {}
    field.set_public_url(db, "http://depot.local:8765")
    urls = field.crew_day_urls(db, plan)
    assert set(urls) == {("crew-a", DAY), ("crew-b", DAY)}
    token = urls[("crew-b", DAY)].rsplit("/", 1)[1]
    assert field.check_token(db, token, at=dt.datetime(2026, 11, 30, 9)).crew_id == "crew-b"
    lookups = PlanLookups(crew_names={"crew-a": "Crew A", "crew-b": "Crew B"}, crew_day_urls=urls)
    with_qr, without = tmp_path / "qr.pdf", tmp_path / "plain.pdf"
    assert write_worksheets(with_qr, plan, lookups) == write_worksheets(without, plan, PlanLookups()) == 2
    images = len(re.findall(rb"/Subtype\s*/Image", with_qr.read_bytes()))
    assert images >= 2 and not re.search(rb"/Subtype\s*/Image", without.read_bytes())
    if SHOTS:  # the same page drawn to a PNG, to look at
        from PySide6.QtGui import QImage, QPainter

        from envservices.ui.reports import worksheets

        image = QImage(827, 1169, QImage.Format.Format_RGB32)
        image.fill(0xFFFFFF)
        painter = QPainter(image)
        cd = plan.crew_days[0]
        worksheets._draw_page(painter, 100, plan, cd, worksheets.ordered_events(cd), lookups, 0, 1, 1)
        painter.end()
        image.save(os.path.join(SHOTS, "worksheet_qr.png"))
    db.dispose()
