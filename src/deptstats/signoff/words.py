"""Every word the approving official reads, in one place: the subject and body of the approval
and the refusals, as message ids of the catalogs (deptstats.core.i18n), worded where they are
shown in the deployment's language (a county official reads plain Chinese by default). The
approval's answers 签发 and 退回 are not here: they are the HITL options Airflow stores and
compares (signoff.model.ISSUE, RETURN), the same in every language."""

from __future__ import annotations

from deptstats.core import N_

CITYWIDE = N_("citywide")
DATE = N_("{month}/{day}/{year}")

SUBJECT = N_("For sign-off: {title} ({document_number})")
HEADING_REPLY = N_("### The reply")
REPLY_LINES = (
    N_("- Reply code: {code}"),
    N_("- Document number: {document_number}"),
    N_("- Title: {title}"),
    N_("- Date of the letter: {date}"),
    N_("- Drafted by run: {draft_run_id}"),
    N_("- File fingerprint (SHA-256): `{sha256}`"),
)
HEADING_CHANGES_FIRST = N_("### Figures to be issued (this reply has not been issued before; {count} in all)")
HEADING_CHANGES = N_("### Figures that differ from issued letter number {sequence} ({count} in all)")
CHANGE_LINE = N_("- {name} ({period}, {area}): {old} → {new}; from: {delivery}")
NOT_QUOTED = N_("(not quoted last time)")
NO_LONGER_QUOTED = N_("(no longer quoted)")
NO_DELIVERY = N_("none")
HEADING_REVIEW = N_("### Review notes")
NO_REVIEW_NOTES = N_("- None: every figure passed validation without warnings.")
NOTE_FLAGGED = N_("- {name} ({period}, {area}) {shown}: {reasons}; please check it.")
NOTE_MOVED = N_("moved {change}% against {period} ({earlier})")
NOTE_SOURCE_WARNINGS = N_("its source data has {count} warning(s)")
NOTE_GB2312 = N_(
    "- The {role} “{name}” contains “{char}” (U+{code}), which is outside GB2312: fonts such as "
    "仿宋_GB2312 cannot show it; please check the printed letter."
)
NOTE_EXPLAINED = N_(
    "- {name} ({period}, {area}) {shown}: its source data has {warnings} warning(s), which "
    "{uploaded_by} explained when delivering it: {explanation}"
)
NOTE_MISSING = N_("- {name} ({period}, {area}) is missing from the draft: {why}")
NOTE_OTHER = N_("- {note}")
ROLES = {
    "office": N_("issuing office"),
    "signer": N_("signer"),
    "deputy": N_("deputy"),
    "contact": N_("contact"),
    "copy_to": N_("copied-to office"),
    "printed_by": N_("printing office"),
}
REASON_SEPARATOR = N_("; ")
HEADING_VERIFY = N_("### Check against the warehouse")
VERIFY_OK = N_("- Passed: the {checked} figures of the letter agree with the warehouse.")
VERIFY_FAILED = N_("- Failed: {count} of the {checked} figures of the letter disagree with the warehouse:")
VERIFY_LINE = N_("  - {name} ({period}, {area}): the letter says {document}, the warehouse {warehouse}")
HEADING_LINK = N_("### File")
LINK_LINE = N_("- [Download the reply (DOCX)]({link})")
CLOSING = N_(
    "Please choose 签发 (issue) or 退回 (send back) and write your opinion in 意见 (a 退回 must say why)."
)

# the delivered file behind a figure, as the approval names it
DELIVERY = N_("{file} (load batch {batch_id}, SHA-256 {sha256}…)")

# the refusals: the task log and the command line print them
REFUSED_NO_DRAFT = N_("there is no draft {path} to put up for approval: run the draft first")
REFUSED_REPLACED = N_(
    "the draft was replaced since run {draft_run_id} drafted it: {path} has sha256 {found}, the "
    "drafted one had {expected}; the newer draft asks for its own approval"
)
REFUSED_INCOMPLETE = N_(
    "the draft {path} is incomplete ({missing}): an incomplete draft is never put up for approval"
)
REFUSED_OTHER_SHA = N_(
    "sign-off run {run_id} already took a snapshot of a draft with sha256 {taken}, not {given}"
)
REFUSED_NO_SNAPSHOT = N_("there is no snapshot {snapshot_id}")
REFUSED_SUPERSEDED = N_("superseded, approve run {run_id}")
REFUSED_PUBLISHED = N_(
    "superseded: figures were published after the snapshot of run {run_id} (load batch "
    "{batch_id}: {file}); approve the sign-off run of the newer draft"
)
REFUSED_VALUE_MOVED = N_(
    "superseded: since the snapshot of run {run_id} the warehouse gives {figure} as {now}, not "
    "{shown}; approve the sign-off run of the newer draft"
)
REFUSED_UNCHANGED = N_(
    "run {run_id} changes no figure of the last issued letter of {reply}: there is nothing to issue"
)
REFUSED_RETURNED = N_("run {run_id} was sent back (退回) by {official}: it cannot be issued")
REFUSED_ISSUED = N_("run {run_id} was issued as {name}: it cannot be sent back")
REFUSED_OPTION = N_("the answer {option!r} is neither {issue} nor {ret}")
REFUSED_NO_REASON = N_("a 退回 needs a reason (意见)")
REFUSED_NOBODY = N_("an answer needs the official's name and login: {what} is empty")
REFUSED_DOCX_CHANGED = N_(
    "the snapshot's copy {path} no longer has sha256 {sha256}: it was changed after the snapshot; "
    "nothing was issued"
)
REFUSED_TAKEN_NAME = N_(
    "{path} exists and is not the snapshot's copy: an issued letter is never overwritten; nothing was issued"
)
REFUSED_NO_LETTER = N_("there is no issued letter {number} (deptstats issued lists them)")
NO_BATCH = N_("(none)")
WITHDRAWN = N_("{extract} {period} withdrawn")
# what the issuing holds while it numbers a letter, should another issuing wait past the timeout
ISSUED_LETTERS_OF = N_("the issued letters of {reply}")

# the nightly's log and the stewards' pages: a later publication changed a figure of an issued
# letter
NOTICE = N_(
    "ISSUED LETTER {letter} (number {number}, 签发 by {official} on {day}) quotes {name} "
    "({indicator}) {period} {area} as {issued}; the warehouse now gives {now}, from {delivery}: "
    "the letter stands as issued, a correction is a new letter"
)
NOTICE_DELIVERY = N_("{file} (sha256 {sha256}…, batch {batch_id})")
NOTICE_NO_DELIVERY = N_("no standing publication")
NOTICE_NO_VALUE = N_("no value")
# a figure the warehouse no longer gives, in a refusal
NO_VALUE = N_("(no value)")
