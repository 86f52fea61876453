"""The simulated world of a council's own district, calibrated from its own records.

The demo knows each bin's true fill rate and each lawn's growth factor because it invented them; a council's
district does not. Its world is drawn from what its records say instead: each asset's learned rate (bins in %
a day, grass as a site factor on the seasonal curve), spread by the uncertainty of that estimate, and the
model's prior where an asset has no usable readings. Litter keeps the zone defaults: the model's litter index
and the world's litter load are different scales. How much a result depends on this draw is shown by
running several seeds (`compare --seeds`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np

from envservices.domain.model import Asset, Observation, Place
from envservices.domain.settings import Settings
from envservices.needs.model import BIN_FILL, GRASS_HEIGHT, WorkDone, learn

TRUTH_KEYS = {BIN_FILL: "true_fill_rate_pct_per_day", GRASS_HEIGHT: "true_growth_factor"}
PRIOR_SPREAD = 0.35
"""Lognormal spread of an asset's truth around the prior when it has no readings (the demo's own spread)."""


def calibrated_assets(assets: Mapping[str, Asset], places: Mapping[str, Place],
                      observations: Sequence[Observation], settings: Settings, start: dt.date,
                      work: Sequence[WorkDone], seed: int) -> tuple[dict[str, Asset], int]:
    """Assets with a drawn truth for every measure the district did not give one; returns them and how many
    draws rest on the asset's own readings (the rest on the prior)."""
    model = learn(assets, places, observations, settings, dt.datetime.combine(start, dt.time()), list(work))
    rng = np.random.default_rng(seed + 7919)
    out = dict(assets)
    from_records = 0
    for (asset_id, measure), rate in sorted(model.rates.items()):
        key = TRUTH_KEYS.get(measure)
        asset = out[asset_id]
        if key is None or key in asset.attributes:
            continue
        if rate.estimate is not None and rate.estimate > 0:
            spread = min(0.5, max(0.05, rate.se / rate.estimate if rate.estimate else PRIOR_SPREAD))
            centre = rate.estimate
            from_records += 1
        else:
            spread, centre = PRIOR_SPREAD, rate.prior
        truth = float(centre * rng.lognormal(0.0, spread))
        out[asset_id] = dataclasses.replace(asset, attributes={**asset.attributes, key: truth})
    return out, from_records


__all__ = ["calibrated_assets"]
