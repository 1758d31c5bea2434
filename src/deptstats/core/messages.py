"""What a problem says, stored as a code and its parameters and worded when it is shown, in the
reader's language: the same stored problem reads in Chinese or English. The wording of each code
is a message id of the catalogs (deptstats.core.i18n)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from deptstats.core.i18n import N_, gettext

# A problem recorded before problems had codes, or whose code this version does not know: its
# stored text is shown as it is.
LEGACY = "legacy"

# code -> its wording; {placeholders} are the problem's parameters. A list parameter is joined
# with the enumeration comma.
TEXTS: dict[str, str] = {
    # a column's own rules (validation.suite); {column} is "label (name)"
    "not_empty": N_("{column} must not be empty"),
    "unique_in_file": N_("{column} must be unique in the file"),
    "count_format": N_("{column} must be a whole number >= 0"),
    "integer_format": N_("{column} must be a whole number"),
    "amount_format": N_(
        "{column} must be a decimal amount >= 0 (at most 18 digits before the point, 6 after)"
    ),
    "date_format": N_("{column} must be a date: 2023-05-01, 2023/5/1, 2023年5月1日 or an Excel date"),
    "at_least": N_("{column} must be >= {min}"),
    "at_most": N_("{column} must be <= {max}"),
    "between": N_("{column} must be >= {min} and <= {max}"),
    "greater_than_zero": N_("{column} must be greater than 0"),
    "one_of": N_("{column} must be one of {allowed}"),
    "one_of_areas": N_("{column} must be one of the 17 areas of the reference list"),
    "one_of_areas_or_citywide": N_(
        "{column} must be one of the 17 areas of the reference list or {citywide}"
    ),
    "inside_period": N_("{column} must fall inside the period {period} ({first_day} to {last_day})"),
    "not_after_period": N_("{column} must be on or before the period's last day, {last_day}"),
    "in_reference": N_(
        "{column} must name an institution in the published {extract_name} ({extract}) of {period}"
    ),
    # the extract's rules (registry `rules`)
    "not_greater": N_("{column} must not exceed {other_column}"),
    "at_most_once": N_("{column} may appear at most once in the file"),
    "required_when": N_("{column} is required when {when_column} is {when_value}"),
    "empty_when": N_("{column} must be empty when {when_column} is {when_value}"),
    "all_areas": N_("every area of the reference list should be present"),
}


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Message:
    """A code of TEXTS and its parameters (JSON-able); `stored` is the text recorded with it, shown
    for the LEGACY code."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    stored: str | None = None

    def text(self, language: str | None = None) -> str:
        """The wording in `language` (the deployment's when None)."""
        wording = TEXTS.get(self.code)
        if wording is None:
            return self.stored if self.stored is not None else self.code
        return gettext(wording, language).format(**{k: _shown(v) for k, v in self.params.items()})

    def params_json(self) -> str:
        return json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_stored(cls, code: str | None, params: str | None, stored: str | None) -> Message:
        """The message of a stored problem (code, its parameters as JSON, the recorded text)."""
        if not code or code not in TEXTS:
            return cls(LEGACY, {}, stored)
        return cls(code, json.loads(params) if params else {}, stored)
