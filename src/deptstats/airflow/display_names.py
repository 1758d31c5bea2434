"""What the Airflow UI calls the DAGs' task groups, tasks and trigger-form fields, in the
deployment's language ($DEPTSTATS_LANG), chosen when the DAG files are parsed. Task and group ids
never change with the language: logs, the REST API and `deptstats` address tasks by them.

Imported by the DAG files when they are parsed: nothing heavy here."""

from __future__ import annotations

from deptstats.core import N_, Department, Extract, Speaker

STEPS = {
    # deptstats_nightly
    "prepare_warehouse": N_("Prepare the warehouse"),
    "report_unrecognised_files": N_("Report unrecognised files"),
    "compute_indicators": N_("Compute the indicators"),
    "draft_reply": N_("Draft the reply"),
    "send_notices": N_("Notify the departments"),
    "report_failures": N_("Report failures"),
    # deptstats_reload (prepare_warehouse, compute_indicators and report_failures as above)
    "reload_extracts": N_("Reload the delivered extracts"),
    # deptstats_signoff
    "snapshot": N_("Keep a snapshot of the draft"),
    "open_approval": N_("Does it need approval?"),
    "no_change": N_("No figure changed"),
    "end_superseded": N_("End superseded approvals"),
    "approve": N_("Approve: issue or return"),
    "issue": N_("Issue the letter"),
    "reject": N_("Record the return"),
}


def step_name(task_id: str, language: str | None = None) -> str:
    """The display name of one of the DAGs' fixed tasks."""
    return Speaker(language)(STEPS[task_id])


def department_name(department: Department, language: str | None = None) -> str:
    return department.name_en if Speaker(language).language == "en" else department.name


def department_tooltip(department: Department, language: str | None = None) -> str:
    _ = Speaker(language)
    return _(
        "{name}: its extracts (department code {code})",
        name=department_name(department, _.language),
        code=department.code,
    )


def extract_name(extract: Extract, language: str | None = None) -> str:
    """The registry names extracts in Chinese only: in English the display name is the code."""
    return extract.code if Speaker(language).language == "en" else extract.name
