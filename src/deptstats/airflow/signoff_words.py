"""What the sign-off DAG's tasks tell the approver and the steward (their logs, their failures,
the note on a superseded approval), as message ids of the catalogs, worded where they are said
in the deployment's language. The answers 签发 and 退回 and the form's fields 签发人 and 意见
appear in the words as they appear in the form: Airflow stores and compares them as they are.

Imported by the DAG file when it is parsed: nothing but the marks here."""

from __future__ import annotations

from deptstats.core import N_

# the approval (approval.py)
NO_SIGNING_SECRET = N_(
    "no [api_auth] jwt_secret is configured for the workers, so an approval's response cannot be "
    "signed or checked; `deptstats airflow up` sets it for every component"
)
NO_RUN_SNAPSHOT = N_(
    "the warehouse records no snapshot of run {run_id}: there is nothing to approve, issue or return"
)
NO_RESPONSE = N_(
    "no recorded response to the approval of run {run_id}: the task approve ended without an answer "
    "from an approver (marked success by hand?), so nothing is done. To ask again, clear the task "
    "approve; the approver answers in Required Actions"
)
UNSIGNED_RESPONSE = N_(
    "the response recorded for run {run_id} does not carry the approval's signature (written by hand "
    "through the XCom API?): nothing is done"
)
OTHER_RUNS_RESPONSE = N_(
    "the response recorded for run {run_id} answers run {answered_run} of {answered_dag}: nothing is done"
)
OTHER_SNAPSHOTS_RESPONSE = N_(
    "the response of run {run_id} answers snapshot {answered} (sha256 {answered_sha256}), not the run's "
    "snapshot {snapshot_id} (sha256 {sha256}) in the warehouse: nothing is done"
)
NOT_AN_APPROVER = N_(
    "the response of run {run_id} came from {user!r}, who is not among the assigned approvers "
    "({approvers}): nothing is done"
)
NO_APPROVERS = N_("none")
OTHER_ANSWER = N_("the approval of run {run_id} was answered {answered}, not {option}: nothing is done")
NO_APPROVER_CONFIGURED = N_(
    "no approver is configured ({setting} is empty where the DAG was parsed), so no approval is "
    "opened: anyone could answer it. `deptstats airflow up` sets it to its approver login; under "
    "another auth manager set it to the approvers' user ids"
)
RETURN_WITHOUT_REASON = N_(
    "{user} answered 退回 with an empty 意见: a 退回 must say why. Nothing was recorded; clear the "
    "task approve to ask again"
)
ISSUE_WITHOUT_COMMENT = N_(
    "{user} answered {option} with an empty 意见: 意见 is required with either answer. Nothing was "
    "issued; clear the task approve to ask again"
)
NO_OFFICIAL = N_(
    "{user} answered {option} without the official's name (签发人): a decision names who made it. "
    "Nothing was done; clear the task approve to ask again"
)
TIMED_OUT = N_(
    "no answer within {days} days ({setting}): {who} was to sign off (签发) or return (退回) reply "
    "{reply} (snapshot {snapshot_id}, drafted by run {draft_run_id}). Nothing was issued. Clear the "
    "task approve to ask again; a newer draft with other figures opens an approval of its own"
)
NOBODY = N_("nobody")

# the tasks around it (signoff_tasks.py)
UNKNOWN_REPLY = N_("no reply {reply!r} is configured (include/replies/<code>.toml): give one of {replies}")
NO_DRAFT_ANNOUNCED = N_(
    "no complete draft of {reply} has been announced yet: the nightly announces one when its "
    "draft_reply task writes a complete draft"
)
RUN_OF_ITS_OWN = N_("the draft of {reply} (run {run_id}) goes to a sign-off run of its own")
FOREIGN_FOLDER = N_(
    "the draft announced by run {run_id} names the folder {announced!r}, not this deployment's output "
    "folder {out!r} (DEPTSTATS_OUT): it was not announced by the nightly here, so nothing is snapshotted"
)
SNAPSHOT_TAKEN = N_(
    "snapshot {snapshot_id} of {reply} (draft of run {draft_run_id}): {count} figure(s) changed"
)
SAME_FIGURES = N_(
    "the draft of {reply} by run {draft_run_id} quotes the same figures as the draft of run {same_as} "
    "announced before it: no new approval is opened (that draft's sign-off stands; to put this draft "
    "up anyway, trigger {dag_id} with {conf})"
)
NO_FIGURE_DIFFERS = N_(
    "no figure of {reply} differs from its last issued letter (draft of run {draft_run_id}, snapshot "
    "{snapshot_id}): no approval is opened"
)
SUPERSEDED_NOTE = N_(
    "superseded by run {run_id}: a newer draft of {reply} (run {draft_run_id}) quotes other figures. "
    "Nothing was issued from this approval; approve run {run_id} instead"
)
APPROVAL_ENDED = N_("approval of run {run_id}: ended (was {state})")
APPROVAL_HAD_ENDED = N_("approval of run {run_id}: had ended already")
ISSUED = N_(
    "issued {name} (letter {number}): {docx}, sha256 {sha256}, signed by {official} ({login}) at {at}"
)
RETURNED = N_("{reply} returned (退回) by {official} ({login}): {comment}")
