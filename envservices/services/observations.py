"""Team leaders' observed need: recording, undoing, and importing survey sheets."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path

from envservices.domain import Grade, Observation, ObservationKind, new_id
from envservices.domain.limits import LIMITS
from envservices.errors import UserError
from envservices.services import access
from envservices.services.concurrency import retry_busy
from envservices.services.sheets import read_rows

SURVEY_COLUMNS = ("place", "kind", "observed_at")
MAX_FILL_PCT = LIMITS["fill_pct"].high  # an overflowing bin is recorded above 100 %, but not beyond reason
MAX_HEIGHT_MM = LIMITS["height_mm"].high


def _check(obs: Observation) -> None:
    """Refuse values a survey cannot have, naming the field."""
    if obs.kind is ObservationKind.LITTER_GRADE and obs.grade is None:
        raise UserError("a litter grade observation needs a grade (A, B+, B, B-, C or D)")
    if obs.kind is ObservationKind.BIN_FILL:
        if obs.fill_pct is None or obs.fill_pct not in LIMITS["fill_pct"]:
            raise UserError(f"bin fill must be between 0 and {MAX_FILL_PCT:.0f} %, not {obs.fill_pct}")
        if not obs.asset_id:
            raise UserError("a bin fill observation must name the bin")
    if obs.kind is ObservationKind.GRASS_HEIGHT and (obs.height_mm is None or obs.height_mm not in LIMITS["height_mm"]):
        raise UserError(f"grass height must be between 0 and {MAX_HEIGHT_MM:.0f} mm, not {obs.height_mm}")
    if obs.kind in (ObservationKind.FLY_TIP, ObservationKind.COMPLAINT) and obs.count is not None and (
            obs.count not in LIMITS["count"]):
        raise UserError(f"a count of fly-tips or complaints must be {LIMITS['count'].describe()}, not {obs.count}")


def record(db, obs: Observation) -> None:
    with db.unit_of_work() as uow:
        record_in(uow, obs)
        uow.commit()


def record_in(uow, obs: Observation, *, check_access: bool = True) -> None:
    """Record an observation inside a unit of work the caller commits (with the change that came with it).

    check_access=False is for callers that authorised the change themselves (an Open311 API key).
    """
    _check(obs)
    if check_access:
        access.require(uow, access.RECORD_NEED, place_id=obs.place_id)
    if uow.places.get(obs.place_id) is None:
        raise UserError(f"there is no place with id '{obs.place_id}'")
    if obs.asset_id and uow.assets.get(obs.asset_id) is None:
        raise UserError(f"there is no asset with id '{obs.asset_id}'")
    uow.observations.add(obs)


def delete(db, obs_id: str) -> None:
    with db.unit_of_work() as uow:
        stored = uow.observations.get(obs_id)
        access.require(uow, access.RECORD_NEED, place_id=stored.place_id if stored else None)
        uow.observations.delete(obs_id)
        uow.commit()


def for_place(db, place_id: str) -> list[Observation]:
    with db.unit_of_work() as uow:
        return uow.observations.list(place_id=place_id)


def latest_grades(db) -> dict[str, Grade]:
    with db.unit_of_work() as uow:
        latest = uow.observations.latest_by_place(ObservationKind.LITTER_GRADE)
    return {pid: o.grade for pid, o in latest.items() if o.grade is not None}


@dataclass(frozen=True)
class SurveyPreview:
    """What a survey sheet would add, and each row that cannot be read, by row number (1 = first data row)."""

    rows: tuple[Observation, ...]
    errors: tuple[tuple[int, str], ...]


def _parse_when(text: str) -> dt.datetime:
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use 2026-11-23 or 23/11/2026, with an optional time 14:30)")


def _number(row: dict, column: str) -> float:
    raw = (row.get(column) or "").strip()
    if not raw:
        raise ValueError(f"'{column}' is empty")
    try:
        return float(raw.rstrip("%"))
    except ValueError:
        raise ValueError(f"'{column}' must be a number, not '{raw}'") from None


def _count(row: dict) -> int:
    """A whole count within the plausible range (inf or 1e30 would overflow int())."""
    value = _number(row, "count")
    if value not in LIMITS["count"] or not value.is_integer():
        raise ValueError(f"'count' must be a whole number from {LIMITS['count'].describe()}, not '{row['count']}'")
    return int(value)


def did_you_mean(typed: str, names: list[str], limit: int = 3) -> str:
    """' (did you mean 'Redditch Town Centre' or 'Bromsgrove Town Centre'?)' for a name not found, or ''.

    Names that contain what was typed come first (a survey sheet's 'Town Centre' for the demo's two town
    centres), then names sharing a word of five letters or more, then close spellings (difflib). Nothing is
    guessed: the row is refused and the person chooses.
    """
    key = " ".join(typed.lower().split())
    if not key:
        return ""
    by_lower = {n.lower(): n for n in names if n}
    found = [n for low, n in sorted(by_lower.items()) if key in low or (len(low) > 3 and low in key)]
    words = {w for w in key.replace("&", " ").split() if len(w) >= 5}  # 'Batchley Estate': 'Batchley & Brockhill'
    found += [n for low, n in sorted(by_lower.items()) if n not in found and words & set(low.split())]
    for low in difflib.get_close_matches(key, list(by_lower), n=limit, cutoff=0.6):
        if by_lower[low] not in found:
            found.append(by_lower[low])
    found = found[:limit]
    if not found:
        return ""
    quoted = [f"'{n}'" for n in found]
    return f" (did you mean {', '.join(quoted[:-1]) + ' or ' if len(quoted) > 1 else ''}{quoted[-1]}?)"


def parse_survey_csv(db, path: Path) -> SurveyPreview:
    """Read a survey sheet: columns place, kind, observed_at and the value columns grade / fill_pct /
    height_mm / count, with optional asset, recorded_by and note. Places and assets may be named or given by id.
    """
    rows_in = read_rows(path, SURVEY_COLUMNS, allow_empty=True)
    with db.unit_of_work() as uow:
        places = uow.places.list()
        assets = uow.assets.list()
    place_by = {p.id: p for p in places} | {p.name.lower(): p for p in places}
    asset_by = {a.id: a for a in assets} | {a.name.lower(): a for a in assets if a.name}
    rows: list[Observation] = []
    errors: list[tuple[int, str]] = []
    for number, row in enumerate(rows_in, start=1):
        try:
            place = place_by.get(row["place"].strip()) or place_by.get(row["place"].strip().lower())
            if place is None:
                raise ValueError(f"no place called '{row['place'].strip()}'"
                                 + did_you_mean(row["place"], [p.name for p in places]))
            try:
                kind = ObservationKind(row["kind"].strip().lower().replace(" ", "_").replace("-", "_"))
            except ValueError:
                raise ValueError(f"'{row['kind']}' is not a kind of observation "
                                 f"({', '.join(k.value for k in ObservationKind)})") from None
            asset_id = None
            if row.get("asset", "").strip():
                typed = row["asset"].strip()
                here = {a.name.lower(): a for a in assets if a.place_id == place.id and a.name}
                asset = asset_by.get(typed) or here.get(typed.lower()) or asset_by.get(typed.lower())
                if asset is None:
                    raise ValueError(f"no asset called '{typed}' in {place.name}"
                                     + did_you_mean(typed, [a.name for a in here.values()]))
                asset_id = asset.id
            obs = Observation(
                id=new_id("obs"), kind=kind, observed_at=_parse_when(row["observed_at"]), place_id=place.id,
                asset_id=asset_id, recorded_by=row.get("recorded_by", "").strip(), note=row.get("note", "").strip(),
                grade=Grade.parse(row["grade"]) if kind is ObservationKind.LITTER_GRADE else None,
                fill_pct=_number(row, "fill_pct") if kind is ObservationKind.BIN_FILL else None,
                height_mm=_number(row, "height_mm") if kind is ObservationKind.GRASS_HEIGHT else None,
                count=_count(row) if kind in (ObservationKind.FLY_TIP, ObservationKind.COMPLAINT)
                and row.get("count", "").strip() else None,
            )
            _check(obs)
        except KeyError as exc:
            errors.append((number, f"the column {exc} is missing"))
            continue
        except (ValueError, UserError) as exc:
            errors.append((number, str(exc)))
            continue
        rows.append(obs)
    return SurveyPreview(rows=tuple(rows), errors=tuple(errors))


def import_survey(db, preview: SurveyPreview) -> int:
    """Store the good rows of a previewed survey in one transaction (again while another envservices writes)."""
    def store() -> int:
        with db.unit_of_work() as uow:
            access.require(uow, access.RECORD_NEED, place_ids={o.place_id for o in preview.rows})
            uow.observations.add_all(preview.rows)
            uow.commit()
        return len(preview.rows)

    return retry_busy(store)
