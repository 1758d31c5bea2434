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
    "all_areas_missing": N_("every area of the reference list should be present; missing: {missing}"),
    # cells and sums checked without Great Expectations (validation.cells, chunk_tally)
    "nul_character": N_("{column} must not contain a NUL character (\\x00)"),
    "too_long": N_("{column} must be at most {limit} characters long"),
    "inexact_amount": N_(
        "{column} has more than {digits} significant digits, more than the embedded (SQLite) "
        "warehouse keeps exactly: round it, or load into PostgreSQL"
    ),
    "total_row_sum": N_("the total row gives {total} for {column} but the data rows sum to {summed}"),
    "check_failed": N_("{rule} (the check itself failed: {error})"),
    "reference_unchecked": N_(
        "{column} not checked: {extract_name} ({extract}) of {period} is not published yet"
    ),
    # reading a file (ingest); the file's name is said before the message
    "unknown_column": N_("unknown column {header} ignored"),
    "empty_file": N_("the file is empty"),
    "no_data_rows": N_("the file has a header but no data rows"),
    "unsupported_file_type": N_("unsupported file type {suffix}; send CSV, XLSX or JSON"),
    "columns_missing": N_("required columns missing: {columns}. {where}"),
    "header_keys": N_("Keys of the records: {found}"),
    "header_found_at": N_("Header found at {row_label} {row}: {found}"),
    "header_not_in_first_rows": N_(
        "No {row_label} among the first {limit} names any of them; the header must be within "
        "the first {limit} {row_label}s: delete the rows above it"
    ),
    "header_nowhere": N_("No {row_label} of the file names any of them"),
    # {row_label}: what a file's rows are called, worded in the reader's language too
    "label_row": N_("row"),
    "label_record": N_("record"),
    "sheet_row": N_("{sheet} row {row}"),
    "header_repeats": N_(
        "the header at {row_label} {row} names {columns} more than once; keep one column for each"
    ),
    "bom_not_utf8": N_(
        "the file starts as UTF-8 (with a byte order mark) but is not UTF-8 at byte {byte}; "
        "save it again as CSV UTF-8, or deliver it whole"
    ),
    "undecodable": N_(
        "cannot decode the file as text; tried UTF-8 with BOM, {failures}. Save it again as CSV "
        "UTF-8 or GB18030."
    ),
    "csv_unreadable": N_("not readable as CSV after row {row} ({error}); look for an unbalanced quote"),
    "wide_text": N_("the file is text in {encoding}, which is not read; save it again {again}"),
    "wide_text_again_json": N_("as UTF-8"),
    "wide_text_again_csv": N_('as "CSV UTF-8 (comma delimited)" (Excel), or as UTF-8 or GB18030 text'),
    "workbook_encrypted": N_(
        "the workbook is protected by a password (encrypted) and cannot be read; open it in "
        "Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, "
        "empty) and save it as .xlsx"
    ),
    "old_workbook": N_(
        "this is an old-format Excel 97-2003 workbook (.xls) or another Office file, not an "
        '.xlsx; open it in Excel and save it as "Excel Workbook (*.xlsx)"'
    ),
    "json_invalid": N_("not valid JSON ({error})"),
    "json_too_deep": N_("JSON nested too deeply to be a list of records; send an array of flat objects"),
    "json_bad_value": N_("JSON holds a value no column can take ({error})"),
    "json_not_records": N_(
        "JSON must be an array of objects or an object whose 'records' member is that array"
    ),
    "json_key_twice": N_("{said}; a key given twice loses one of its values: keep one"),
    "json_column_twice": N_("record {record} names column {column} twice ({keys})"),
    "workbook_unreadable": N_("not a readable XLSX workbook ({error})"),
    "sheet_damaged": N_("the sheet {sheet} is damaged after row {row} ({error})"),
    "no_visible_sheet": N_("the workbook has no visible sheet; unhide the sheet holding the data"),
    "header_on_sheets": N_(
        "the header is on more than one visible sheet ({sheets}); keep the data on one sheet "
        "and delete the other(s)"
    ),
    "header_also_hidden": N_(
        "the header is on visible sheet {sheet} and also on {hidden}, which whoever opens the "
        "workbook does not see and which is never read; delete the hidden sheet, or unhide it "
        "and keep the data on one sheet"
    ),
    "header_only_hidden": N_(
        "the header is only on {hidden}; hidden sheets are never read, as whoever opens the "
        "workbook does not see them: unhide it or move the data to a visible sheet"
    ),
    "hidden_sheet": N_("hidden sheet {names}"),
    "hidden_sheets": N_("hidden sheets {names}"),
    "very_hidden_sheet": N_("very hidden sheet {names}"),
    "very_hidden_sheets": N_("very hidden sheets {names}"),
    "hidden_row": N_(
        "row {rows} of sheet {sheet} is hidden; its data is read and published all the same: "
        "unhide it to see what was sent"
    ),
    "hidden_rows": N_(
        "rows {rows} of sheet {sheet} are hidden; their data is read and published all the "
        "same: unhide them to see what was sent"
    ),
    "hidden_rows_more": N_(
        "rows {rows} and {more} more of sheet {sheet} are hidden; their data is read and "
        "published all the same: unhide them to see what was sent"
    ),
    "hidden_column": N_(
        "column {columns} of sheet {sheet} is hidden; its data is read and published all the "
        "same: unhide it to see what was sent"
    ),
    "hidden_columns": N_(
        "columns {columns} of sheet {sheet} are hidden; their data is read and published all "
        "the same: unhide them to see what was sent"
    ),
    "workbook_too_large": N_(
        "the workbook unpacks to more than {limit} MiB ({part} alone is {size} MiB); refused: "
        "save it again without the oversized content, or send CSV"
    ),
    # a file refused before it is read (ingest.landing, publish.loading); {file} is its path
    # under the landing folder
    "name_not_recognised": N_("name does not follow <department>/<extract>_<period>.<csv|xlsx|json>"),
    "unknown_extract": N_("no extract named {code} in the registry"),
    "wrong_folder": N_("extract {code} belongs in folder {folder}/, not {department}/"),
    "bad_period": N_("{error}"),
    "wrong_period_kind": N_("extract {code} is delivered per {kind} ({wanted}), not {given}"),
    "outside_landing": N_("resolves outside the landing folder (to {target}); refused, not read"),
    "symbolic_link": N_("is a symbolic link; refused, not read"),
    "symbolic_link_deliver": N_("is a symbolic link; refused, not read: deliver the file itself"),
    "not_regular_file": N_("is not a regular file ({kind}); refused, not read: deliver the file itself"),
    "named_pipe": N_("a named pipe"),
    "socket": N_("a socket"),
    "character_device": N_("a character device"),
    "block_device": N_("a block device"),
    "folder": N_("a folder"),
    "not_plain_file": N_("not a plain file"),
    "oversize": N_(
        "is {size} bytes, over the limit of {limit} bytes (DEPTSTATS_MAX_FILE_BYTES); refused, not read"
    ),
    "folder_unreadable": N_(
        "is a folder that cannot be read ({reason}); the files in it were not looked at: give "
        "the account that runs the loads read access to it"
    ),
    "two_files": N_(
        "two files for {extract} {period}: also {others}. Both are refused until one is removed."
    ),
    "disappeared": N_(
        "{file} disappeared between the scan of the landing folder and its reading; deliver it again"
    ),
    "permission_denied": N_(
        "{file} cannot be read (permission denied); refused, not read: give the account that "
        "runs the loads read access to it (e.g. chmod a+r), and the next run loads it"
    ),
    "replaced_after_scan": N_(
        "{file} was replaced after the landing folder was scanned; refused, not read: deliver it again"
    ),
    "became_link": N_(
        "{file} became a symbolic link after the landing folder was scanned; refused, not read"
    ),
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
        params = {k: _shown(v) for k, v in self.params.items()}
        if params.get("row_label") in ("row", "record"):
            params["row_label"] = gettext(TEXTS["label_" + params["row_label"]], language)
        return gettext(wording, language).format(**params)

    def params_json(self) -> str:
        return json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_stored(cls, code: str | None, params: str | None, stored: str | None) -> Message:
        """The message of a stored problem (code, its parameters as JSON, the recorded text)."""
        if not code or code not in TEXTS:
            return cls(LEGACY, {}, stored)
        return cls(code, json.loads(params) if params else {}, stored)
