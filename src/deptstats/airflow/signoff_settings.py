"""What the two DAG files share about the sign-off, read when they are parsed (so nothing heavy is
imported here): the configured replies (the trigger forms' choice among them, and the asset of
each) and the alias the draft task emits through, who approves, and how long an approval waits.

Who approves is one setting, DEPTSTATS_APPROVERS: a JSON list of the auth manager's users,
`[{"id": "4", "name": "approver"}]` (the FAB auth manager's user id is the number of the user in
its table, the name its login). `deptstats airflow up` writes it from the users it created;
the ids are the auth manager's, so they are configured, never written into the DAG."""

from __future__ import annotations

import json
import os
import tomllib
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, AssetAlias, Param

from deptstats.core import DEFAULT_REPLY, Speaker, include_dir, non_negative_setting, reply_codes

# the draft task adds one event per drafted reply through this alias
REPLIES_ALIAS = "deptstats_drafted_replies"
APPROVERS_SETTING = "DEPTSTATS_APPROVERS"
TIMEOUT_SETTING = "DEPTSTATS_APPROVAL_TIMEOUT_DAYS"
DEFAULT_TIMEOUT_DAYS = 7.0
SIGNOFF_DAG_ID = "deptstats_signoff"
# the Airflow connection the sign-off DAG ends a superseded approval through (the REST API)
API_CONN_ID = "deptstats_airflow_api"


def replies_alias() -> AssetAlias:
    return AssetAlias(REPLIES_ALIAS)


def reply_asset(reply: str) -> Asset:
    """The drafted reply `reply` as an asset: one per configured reply, whatever folder the
    draft was written to (an `x-` scheme is taken as it is)."""
    return Asset(name=f"deptstats_reply_{reply}", uri=f"x-deptstats://replies/{reply}", group="deptstats")


def configured_replies() -> list[str]:
    """The replies configured under include/replies (<code>.toml)."""
    return reply_codes()


def reply_label(reply: str) -> str:
    """How the trigger form names a configured reply: the office, the letter's title and the
    proposal it answers, as its configuration gives them (the code when it gives none)."""
    with (include_dir() / "replies" / f"{reply}.toml").open("rb") as handle:
        config = tomllib.load(handle)
    title = "".join(config.get("title_lines") or []) or reply
    office = f"{config['office']}：" if config.get("office") else ""
    proposal = f"（{config['proposal_title']}）" if config.get("proposal_title") else ""
    return f"{office}{title}{proposal}"


def reply_param(optional: bool = False) -> Param:
    """The param `reply` of a trigger form: one of the configured replies, by its label. Optional,
    it may be left empty (the sign-off takes the reply from the draft that triggered it)."""
    _ = Speaker()  # the deployment's language, when the DAG file is parsed
    replies = configured_replies()
    labels: dict[str | None, str] = {reply: reply_label(reply) for reply in replies}
    if not optional:
        return Param(
            DEFAULT_REPLY,
            type="string",
            enum=replies,
            values_display=labels,
            title=_("Reply"),
            description=_("The reply to draft"),
        )
    labels[None] = _(
        "Not chosen (triggered by hand: the default, {reply})", reply=labels.get(DEFAULT_REPLY, DEFAULT_REPLY)
    )
    return Param(
        None,
        type=["null", "string"],
        enum=[*replies, None],
        values_display=labels,
        title=_("Reply"),
        description=_("Triggered by hand: sign off the newest draft of this reply"),
    )


def approvers() -> list[dict[str, str]]:
    """The users assigned to every approval (id and name, as the auth manager knows them);
    [] when the setting is missing or empty: then no approval opens (see SignoffApproval)."""
    configured = os.environ.get(APPROVERS_SETTING, "").strip()
    if not configured:
        return []
    try:
        users: Any = json.loads(configured)
        if isinstance(users, list) and all(
            isinstance(u, dict) and isinstance(u.get("id"), str) and u["id"] for u in users
        ):
            return [{"id": u["id"], "name": str(u.get("name") or u["id"])} for u in users]
    except ValueError:
        pass
    raise ValueError(
        f'{APPROVERS_SETTING}={configured!r}: give a JSON list of users, [{{"id": "approver", '
        f'"name": "approver"}}] (ids as the auth manager knows them)'
    )


def approvers_setting(logins: list[str], ids: dict[str, int]) -> str:
    """DEPTSTATS_APPROVERS for FAB logins: each one's user id (as a string, as HITL compares
    them) and its login as the name."""
    return json.dumps([{"id": str(ids[login]), "name": login} for login in logins])


def response_timeout() -> timedelta:
    """How long an approval waits: DEPTSTATS_APPROVAL_TIMEOUT_DAYS (default 7, fractions allowed)."""
    days = non_negative_setting(TIMEOUT_SETTING, DEFAULT_TIMEOUT_DAYS)
    if days == 0:
        raise ValueError(f"{TIMEOUT_SETTING}=0: an approval must wait some time; give a number of days")
    return timedelta(days=days)
