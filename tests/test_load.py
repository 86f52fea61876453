"""The load bench: concurrent client processes on PostgreSQL lose and double no write."""

from __future__ import annotations

import pytest

from envservices.bench.load import describe_load, load_ok, run_load_figures
from envservices.errors import UserError


@pytest.mark.postgis
@pytest.mark.slow
def test_four_clients_for_five_seconds_lose_and_double_nothing(pg_url: str):
    figures = run_load_figures(pg_url, clients=4, seconds=5)
    assert figures["acknowledged_writes"] > 0, describe_load(figures)
    assert figures["lost_writes"] == 0 and figures["duplicated_writes"] == 0, describe_load(figures)
    assert figures["stored_writes"] == figures["acknowledged_writes"]
    assert figures["audited_marks"] == figures["acknowledged_marks"]
    assert figures["error_count"] == 0, figures["errors"]
    assert load_ok(figures)
    by_op = {o["operation"]: o for o in figures["operations"]}
    assert by_op["read_plan"]["count"] > 0 and by_op["record_observation"]["p95_ms"] is not None
    assert "lost" in describe_load(figures)


def test_load_refuses_nonsense_settings(tmp_path):
    with pytest.raises(UserError, match="at least 1 client"):
        run_load_figures(str(tmp_path / "x.sqlite"), clients=0, seconds=5)
