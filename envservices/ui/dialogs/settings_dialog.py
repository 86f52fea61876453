"""The council's rules in one dialog: need thresholds, response times, durations, travel and cost.

Values are shown in the units people use (minutes, not seconds; pounds per hour) and checked field by field,
so a wrong entry gets a message next to it instead of a traceback. Saving goes through
`services.settings.save`, which stores them in the database so every depot shares the same rules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from envservices.domain.limits import SETTING_LIMITS
from envservices.domain.settings import Settings
from envservices.errors import UserError
from envservices.services import settings as settings_service


@dataclass(frozen=True)
class FieldSpec:
    """How one setting is shown: the words, the unit, and the scale between the shown and stored number."""

    key: str
    label: str
    unit: str
    scale: float = 1.0  # stored value = shown value * scale (minutes shown, seconds stored: 60)
    minimum: float = 0.0
    maximum: float | None = None
    allow_zero: bool = True
    whole: bool = False
    help: str = ""


GROUPS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (
        "Need thresholds",
        (
            FieldSpec("bin_intervention_pct", "Empty a bin when it is forecast to be", "% full",
                      maximum=100, allow_zero=False),
            FieldSpec("bin_overflow_pct", "A bin counts as overflowing at", "% full", maximum=200,
                      allow_zero=False),
            FieldSpec("grass_cut_mm", "Cut amenity grass when it is taller than", "mm", maximum=1000,
                      allow_zero=False),
            FieldSpec("grass_cut_to_mm", "Cut amenity grass down to", "mm", maximum=1000, allow_zero=False),
            FieldSpec("grass_failure_mm", "Grass counts as long (a failure) over", "mm", maximum=2000,
                      allow_zero=False),
            FieldSpec("grass_season_start_month", "Grass-cutting season starts in month", "(1-12)",
                      minimum=1, maximum=12, whole=True),
            FieldSpec("grass_season_end_month", "Grass-cutting season ends in month", "(1-12)",
                      minimum=1, maximum=12, whole=True),
        ),
    ),
    (
        "Response times for grade C or D (Code of Practice zones)",
        (
            FieldSpec("response_high_h", "High intensity of use (town centres)", "hours", allow_zero=False),
            FieldSpec("response_medium_h", "Medium intensity of use (housing, local shops)", "hours",
                      allow_zero=False),
            FieldSpec("response_low_h", "Low intensity of use (quiet roads)", "hours", allow_zero=False),
            FieldSpec("response_very_low_h", "Very low intensity of use (rural roads)", "hours",
                      allow_zero=False),
        ),
    ),
    (
        "How long work takes",
        (
            FieldSpec("bin_empty_s", "Empty one bin", "minutes", scale=60.0, allow_zero=False),
            FieldSpec("litter_pick_s_per_100m_high", "Litter pick, high-use street", "minutes per 100 m",
                      scale=60.0, allow_zero=False),
            FieldSpec("litter_pick_s_per_100m_medium", "Litter pick, medium-use street", "minutes per 100 m",
                      scale=60.0, allow_zero=False),
            FieldSpec("litter_pick_s_per_100m_low", "Litter pick, low-use street", "minutes per 100 m",
                      scale=60.0, allow_zero=False),
            FieldSpec("litter_pick_s_per_100m_very_low", "Litter pick, very-low-use street",
                      "minutes per 100 m", scale=60.0, allow_zero=False),
            FieldSpec("mow_ride_on_m2_per_h", "A ride-on mower cuts", "m² an hour", allow_zero=False),
            FieldSpec("mow_pedestrian_m2_per_h", "A pedestrian mower cuts", "m² an hour", allow_zero=False),
            FieldSpec("mechanical_sweep_km_per_h", "A mechanical sweeper covers", "km an hour",
                      allow_zero=False),
            FieldSpec("site_setup_s", "Setting up at a site (unloading mowers, signs)", "minutes",
                      scale=60.0),
        ),
    ),
    (
        "Travel and cost",
        (
            FieldSpec("speed_kph", "Average travel speed when no road network is loaded", "km/h",
                      maximum=130, allow_zero=False),
            FieldSpec("circuity", "Road distance as a multiple of straight-line distance", "×",
                      minimum=1.0, maximum=5.0),
            FieldSpec("cost_per_crew_hour", "Cost of one crew hour", "£ an hour"),
            FieldSpec("cost_per_km", "Vehicle running cost", "£ per km"),
            FieldSpec("co2_kg_per_km", "Vehicle CO₂", "kg per km"),
            FieldSpec("fuel_l_per_km", "Vehicle fuel use", "litres per km"),
            FieldSpec("overtime_multiplier", "Overtime pay as a multiple of normal pay", "×", minimum=1.0,
                      maximum=5.0),
        ),
    ),
)


def numeric_keys() -> list[str]:
    """Every number in Settings: the dialog must offer each one, including fields added later."""
    defaults = Settings()
    return [
        f.name
        for f in dataclasses.fields(Settings)
        if isinstance(getattr(defaults, f.name), (int, float)) and not isinstance(getattr(defaults, f.name), bool)
    ]


def _all_groups() -> list[tuple[str, tuple[FieldSpec, ...]]]:
    """The curated groups plus an 'Other' group for numeric settings not described above."""
    described = {spec.key for _, specs in GROUPS for spec in specs}
    defaults = Settings()
    others = tuple(
        FieldSpec(key, key.replace("_", " ").capitalize(), "", whole=isinstance(getattr(defaults, key), int))
        for key in numeric_keys()
        if key not in described
    )
    groups = [(title, tuple(s for s in specs if s.key in set(numeric_keys()))) for title, specs in GROUPS]
    if others:
        groups.append(("Other", others))
    return groups


UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def read_number(text: str) -> float | None:
    """A number as typed in en-GB: '4,000' is four thousand (never 4.0), '4,000.5' and '4000' are read, a
    comma out of place ('4,5', '4,00') or any other text gives None, so the field can say so."""
    value, ok = UK.toDouble(text.strip())
    return float(value) if ok else None


def _format(value: float, spec: FieldSpec) -> str:
    shown = value / spec.scale
    if spec.whole:
        return str(int(round(shown)))
    return f"{shown:.6g}"


class SettingsDialog(QDialog):
    """Edit the council's rules; refuses bad numbers at the field and saves only a complete, valid set."""

    settingsSaved = Signal(object)  # the saved Settings

    def __init__(
        self,
        db: object,
        settings: Settings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self._db = db
        self._settings = settings if settings is not None else settings_service.load(db)
        self.saved_settings: Settings | None = None
        self.editors: dict[str, QLineEdit] = {}
        self.messages: dict[str, QLabel] = {}
        self._specs: dict[str, FieldSpec] = {}

        body = QWidget()
        body_layout = QVBoxLayout(body)
        for title, specs in _all_groups():
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
            for spec in specs:
                label = QLabel(spec.label)
                label.setMinimumWidth(330)  # one column of fields across all groups
                form.addRow(label, self._make_field(spec))
            body_layout.addWidget(box)
        body_layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)

        self.error_banner = QLabel()
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setStyleSheet("color: #b00020;")
        self.error_banner.setWordWrap(True)
        self.error_banner.hide()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.buttons)
        self.resize(640, 720)
        self.show_settings(self._settings)

    def _make_field(self, spec: FieldSpec) -> QWidget:
        self._specs[spec.key] = spec
        edit = QLineEdit()
        edit.setObjectName(spec.key)
        edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        edit.setFixedWidth(100)
        if spec.help:
            edit.setToolTip(spec.help)
        edit.editingFinished.connect(lambda key=spec.key: self._check_field(key))
        unit = QLabel(spec.unit)
        message = QLabel()
        message.setObjectName(f"{spec.key}_message")
        message.setStyleSheet("color: #b00020;")
        message.setWordWrap(True)
        message.hide()
        self.editors[spec.key] = edit
        self.messages[spec.key] = message

        row = QWidget()
        row_layout = QVBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.setSpacing(2)
        line = QHBoxLayout()
        line.addWidget(edit)
        line.addWidget(unit)
        line.addStretch(1)
        row_layout.addLayout(line)
        row_layout.addWidget(message)
        return row

    def show_settings(self, settings: Settings) -> None:
        """Fill every field from these settings and clear old messages."""
        for key, edit in self.editors.items():
            edit.setText(_format(float(getattr(settings, key)), self._specs[key]))
            self._set_message(key, "")
        self.error_banner.hide()

    def restore_defaults(self) -> None:
        """Put the built-in defaults in the fields; nothing is stored until Save."""
        self.show_settings(Settings())

    def field_message(self, key: str) -> str:
        """The message shown at a field ('' when the value is fine)."""
        return self.messages[key].text()

    def _set_message(self, key: str, text: str) -> None:
        label = self.messages[key]
        label.setText(text)
        label.setVisible(bool(text))
        self.editors[key].setStyleSheet("border: 1px solid #b00020;" if text else "")

    def _parse(self, key: str) -> tuple[float | None, str]:
        """The stored value for a field, or an error sentence saying what is wrong with it."""
        spec = self._specs[key]
        text = self.editors[key].text().strip()
        if not text:
            return None, "Enter a number."
        shown = read_number(text)
        if shown is None:
            return None, (f"'{text}' is not a number as written in the UK: write it like 4000, 4,000 or 4000.5 "
                          "(a comma separates thousands, a point starts the decimals).")
        if shown != shown or shown in (float("inf"), float("-inf")):
            return None, "Enter an ordinary number."
        if spec.whole and shown != int(shown):
            return None, "Enter a whole number."
        if shown < 0:
            return None, "Cannot be negative."
        if not spec.allow_zero and shown == 0:
            return None, "Must be more than zero."
        if shown < spec.minimum:
            return None, f"Must be at least {spec.minimum:g}."
        if spec.maximum is not None and shown > spec.maximum:
            return None, f"Must be at most {spec.maximum:g}."
        plausible = SETTING_LIMITS.get(key)  # the domain's one table of plausible ranges
        if plausible is not None and shown * spec.scale not in plausible:
            return None, f"Must be {plausible.low / spec.scale:.3g} to {plausible.high / spec.scale:.3g}."
        return shown * spec.scale, ""

    def _check_field(self, key: str) -> bool:
        _, message = self._parse(key)
        self._set_message(key, message)
        return not message

    def collect(self) -> tuple[Settings | None, dict[str, str]]:
        """Read and check every field; return the settings or the messages per field."""
        values: dict[str, float] = {}
        errors: dict[str, str] = {}
        for key in self.editors:
            value, message = self._parse(key)
            if message:
                errors[key] = message
            else:
                values[key] = value  # type: ignore[assignment]
        if not errors:
            errors.update(_cross_checks(values))
        if errors:
            return None, errors
        defaults = Settings()
        typed = {k: (int(round(v)) if isinstance(getattr(defaults, k), int) else float(v)) for k, v in values.items()}
        return dataclasses.replace(self._settings, **typed), {}

    def save(self) -> bool:
        """Check all fields, then store; on any problem show it where it belongs and keep the dialog open."""
        for key in self.editors:
            self._set_message(key, "")
        self.error_banner.hide()
        settings, errors = self.collect()
        if errors:
            for key, message in errors.items():
                self._set_message(key, message)
            first = next(iter(errors))
            self.editors[first].setFocus()
            self.editors[first].selectAll()
            self._show_banner(f"{len(errors)} setting(s) need correcting before saving.")
            return False
        assert settings is not None
        try:
            settings_service.save(self._db, settings)
        except UserError as exc:
            self._show_banner(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - the user must see any failure to store, not a traceback
            QMessageBox.warning(self, "Settings not saved", f"The settings could not be saved: {exc}")
            return False
        self.saved_settings = settings
        self._settings = settings
        self.settingsSaved.emit(settings)
        self.accept()
        return True

    def _show_banner(self, text: str) -> None:
        self.error_banner.setText(text)
        self.error_banner.show()


def _cross_checks(values: dict[str, float]) -> dict[str, str]:
    """Rules between fields: a threshold must sit on the right side of the one it depends on."""
    errors: dict[str, str] = {}
    if values["bin_overflow_pct"] < values["bin_intervention_pct"]:
        errors["bin_overflow_pct"] = "Must not be below the level at which a bin is emptied."
    if values["grass_cut_to_mm"] >= values["grass_cut_mm"]:
        errors["grass_cut_to_mm"] = "Must be lower than the height at which grass is cut."
    if values["grass_failure_mm"] < values["grass_cut_mm"]:
        errors["grass_failure_mm"] = "Must not be below the height at which grass is cut."
    if values["grass_season_end_month"] < values["grass_season_start_month"]:
        errors["grass_season_end_month"] = "The season must end in or after the month it starts."
    return errors
