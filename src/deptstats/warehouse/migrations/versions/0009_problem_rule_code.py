"""problem.rule_code and problem.params: what a problem says, as a code and its parameters (JSON),
so that it is worded in the reader's language when shown (deptstats.core.messages). Problems
recorded before this revision whose stored English text is one of the known wordings get its
code and parameters back (parsed here: a migration is frozen and imports nothing of deptstats);
the others get the code 'legacy' and keep showing their stored text.

Revision ID: 0009
Revises: 0008
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # added in place, as in 0007: the mart views read the table
    op.add_column("problem", sa.Column(
        "rule_code", sa.String(64),
        comment="the rule broken (deptstats.core.messages); 'legacy': shown as its stored rule"))
    op.add_column("problem", sa.Column(
        "params", sa.Text(), comment="the rule's parameters as JSON (the column, the allowed set ...)"))
    op.execute("update problem set rule_code = 'legacy' where rule_code is null")
    _parse_stored_rules()


# "label (name)", as the wordings named a column
_COLUMN = r"(?P<column>.+ \([A-Za-z0-9_]+\))"
# the English wordings of 0008's time, most specific first: code -> the text it was
KNOWN = [
    ("not_empty", _COLUMN + r" must not be empty"),
    ("unique_in_file", _COLUMN + r" must be unique in the file"),
    ("count_format", _COLUMN + r" must be a whole number >= 0"),
    ("integer_format", _COLUMN + r" must be a whole number"),
    ("amount_format", _COLUMN + r" must be a decimal amount >= 0 \(at most 18 digits before the point, 6 after\)"),
    ("date_format", _COLUMN + r" must be a date: 2023-05-01, 2023/5/1, 2023年5月1日 or an Excel date"),
    ("between", _COLUMN + r" must be >= (?P<min>-?[0-9.]+) and <= (?P<max>-?[0-9.]+)"),
    ("at_least", _COLUMN + r" must be >= (?P<min>-?[0-9.]+)"),
    ("at_most", _COLUMN + r" must be <= (?P<max>-?[0-9.]+)"),
    ("greater_than_zero", _COLUMN + r" must be greater than 0"),
    ("one_of_areas_or_citywide", _COLUMN + r" must be one of the 17 areas of the reference list or (?P<citywide>.+)"),
    ("one_of_areas", _COLUMN + r" must be one of the 17 areas of the reference list"),
    ("one_of", _COLUMN + r" must be one of (?P<allowed>.+)"),
    (
        "inside_period",
        _COLUMN + r" must fall inside the period (?P<period>\S+) \((?P<first_day>\S+) to (?P<last_day>\S+)\)",
    ),
    ("not_after_period", _COLUMN + r" must be on or before the period's last day, (?P<last_day>\S+)"),
    (
        "in_reference",
        _COLUMN + r" must name an institution in the published (?P<extract_name>.+) \((?P<extract>[a-z0-9_]+)\)"
        r" of (?P<period>\S+)",
    ),
    ("not_greater", _COLUMN + r" must not exceed (?P<other_column>.+ \([A-Za-z0-9_]+\))"),
    ("at_most_once", _COLUMN + r" may appear at most once in the file"),
    (
        "required_when",
        _COLUMN + r" is required when (?P<when_column>.+ \([A-Za-z0-9_]+\)) is (?P<when_value>.+)",
    ),
    (
        "empty_when",
        _COLUMN + r" must be empty when (?P<when_column>.+ \([A-Za-z0-9_]+\)) is (?P<when_value>.+)",
    ),
    ("all_areas_missing", r"every area of the reference list should be present; missing: (?P<missing>.+)"),
    ("all_areas", r"every area of the reference list should be present"),
    ("nul_character", _COLUMN + r" must not contain a NUL character \(\\x00\)"),
    ("too_long", _COLUMN + r" must be at most (?P<limit>[0-9]+) characters long"),
    (
        "inexact_amount",
        _COLUMN + r" has more than (?P<digits>[0-9]+) significant digits, more than the embedded \(SQLite\) "
        r"warehouse keeps exactly: round it, or load into PostgreSQL",
    ),
    (
        "total_row_sum",
        r"the total row gives (?P<total>\S+) for " + _COLUMN + r" but the data rows sum to (?P<summed>\S+)",
    ),
    (
        "reference_unchecked",
        _COLUMN + r" not checked: (?P<extract_name>.+) \((?P<extract>[a-z0-9_]+)\) of (?P<period>\S+) is not "
        r"published yet",
    ),
    ("unknown_column", r"unknown column (?P<header>'.*') ignored"),
    ("empty_file", r"the file is empty"),
    ("no_data_rows", r"the file has a header but no data rows"),
    ("no_visible_sheet", r"the workbook has no visible sheet; unhide the sheet holding the data"),
]
_KNOWN = [(code, re.compile(pattern + r"\Z", re.DOTALL)) for code, pattern in KNOWN]
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")


def parsed(rule):
    """The code and parameters of a stored English rule, or ('legacy', None)."""
    for code, pattern in _KNOWN:
        found = pattern.match(rule or "")
        if found is None:
            continue
        params = found.groupdict()
        for bound in ("min", "max"):
            if bound in params and _NUMBER.match(params[bound]):
                params[bound] = float(params[bound]) if "." in params[bound] else int(params[bound])
        for listed in ("allowed", "missing"):
            if listed in params:
                params[listed] = params[listed].split("、")
        return code, params
    return "legacy", None


def _parse_stored_rules():
    problem = sa.table(
        "problem", sa.column("problem_id"), sa.column("rule"), sa.column("rule_code"), sa.column("params")
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(problem.c.problem_id, problem.c.rule)).fetchall()
    updates = []
    for problem_id, rule in rows:
        code, params = parsed(rule)
        if params is not None:
            updates.append(
                {"id": problem_id, "code": code, "json": json.dumps(params, ensure_ascii=False, sort_keys=True)}
            )
    if updates:
        conn.execute(
            problem.update()
            .where(problem.c.problem_id == sa.bindparam("id"))
            .values(rule_code=sa.bindparam("code"), params=sa.bindparam("json")),
            updates,
        )


def downgrade() -> None:
    op.drop_column("problem", "params")
    op.drop_column("problem", "rule_code")
