"""The sign-off without Airflow, on both backends: a snapshot of the draft, 签发 issuing exactly
that snapshot as out/issued/<reply>-<n>.* with its figures recorded (once, whoever asks again),
refusals when figures were published after the snapshot or a newer snapshot superseded it, 退回
with its reason, and `verify --issued` checking a document against what was issued rather than
today's warehouse."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from deptstats import pipeline
from deptstats.cli import main
from deptstats.core.registry import Registry
from deptstats.indicators.compute import compute_indicators
from deptstats.signoff import (
    ISSUE,
    RETURN,
    Response,
    SignoffRefused,
    Snapshot,
    approval_brief,
    issue,
    issued_figures_changed,
    issued_letters,
    reject,
    rejections,
    supersede_pending,
    take_snapshot,
)
from deptstats.warehouse.engine import metadata_without_extracts, open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.conftest import create_pg_database, drop_pg_database, pg_database_name
from tests.drafts import draft, redeliver_prepregnancy_checks
from tests.helpers import load_all
from tests.test_verify_and_diff import edit_in_word

pytestmark = pytest.mark.gx


@pytest.fixture(autouse=True)
def deployment_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """This office's deployment speaks Chinese (the default); tests/conftest.py sets English for
    the others. A test quoting the English wording sets it itself."""
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")


CODE = "reply-2024-147"
CITYWIDE_RATE = ("health.prepregnancy_check_rate", "2023", None)
ANSWERED = datetime(2024, 6, 7, 9, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def template(request, tmp_path_factory, sample_dir, registry):
    """A warehouse with the sample published and its indicators computed, made once per backend;
    each test works on a copy of it."""
    folder = tmp_path_factory.mktemp(f"signoff-{request.param}")
    admin = name = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'template.db'}"
    else:
        admin = request.getfixturevalue("postgres_admin")
        name, url = create_pg_database(admin)
    engine = open_engine(url)
    ensure_schema(engine, registry)
    assert {o.status for o in load_all(engine, sample_dir, registry)} == {"published"}
    compute_indicators(engine, registry)
    engine.dispose()
    yield {"backend": request.param, "url": url, "folder": folder, "admin": admin, "name": name}
    if admin is not None:
        drop_pg_database(admin, name)


@dataclass
class Office:
    """A warehouse, a landing folder and an output folder of one test."""

    url: str
    engine: Engine
    landing: Path
    out: Path
    registry: Registry

    def draft(self) -> str:
        """A complete draft of the reply; the sha256 of its DOCX (the asset event's)."""
        assert not draft(self.url, self.out, self.registry).incomplete
        return sha256_of(self.out / f"{CODE}.docx")

    def snapshot(self, run: str, draft_run: str = "nightly-1") -> Snapshot:
        sha = self.draft()
        return take_snapshot(self.engine, self.registry, self.out, CODE, draft_run, run, sha)

    def issue(self, snapshot: Snapshot, official: str = "陈濛", comment: str = "同意"):
        answer = Response(official, "approver", ISSUE, comment, ANSWERED)
        return issue(self.engine, self.registry, snapshot.id, answer, self.out)

    def redeliver(self) -> int:
        """The health commission's corrected file published and the indicators computed again;
        the new load batch."""
        redeliver_prepregnancy_checks(self.landing)
        outcomes = load_all(self.engine, self.landing, self.registry, run_id="redelivery")
        compute_indicators(self.engine, self.registry)
        return next(o.batch_id for o in outcomes if o.status == "published")

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(metadata_without_extracts().tables[table])
            ).scalar_one()


@pytest.fixture
def office(template, tmp_path, sample_dir, registry):
    if template["backend"] == "sqlite":
        shutil.copy(template["folder"] / "template.db", tmp_path / "warehouse.db")
        url, name = f"sqlite:///{tmp_path / 'warehouse.db'}", None
    else:
        name = pg_database_name()
        url = copy_pg_database(template["admin"], template["name"], name)
    landing = tmp_path / "landing"
    shutil.copytree(sample_dir, landing)
    engine = open_engine(url)
    yield Office(url, engine, landing, tmp_path / "out", registry)
    engine.dispose()
    if name is not None:
        drop_pg_database(template["admin"], name)


def copy_pg_database(admin: str, template_name: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'create database "{name}" template "{template_name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}"


def key(change) -> tuple:
    return (change.indicator, change.period, change.area)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance_shown(path: Path) -> dict:
    figures = json.loads(path.read_text(encoding="utf-8"))["figures"]
    return {(f["indicator"], f["period"], f["area"]): f["shown"] for f in figures}


def issued_shown(office: Office, number: int) -> dict:
    figure = metadata_without_extracts().tables["issued_figure"]
    with office.engine.connect() as conn:
        rows = conn.execute(select(figure).where(figure.c.number == number)).mappings().all()
    return {(r["indicator"], r["period"], r["area"]): r["shown"] for r in rows}


def snapshot_status(office: Office, snapshot: Snapshot) -> str:
    table = metadata_without_extracts().tables["reply_snapshot"]
    with office.engine.connect() as conn:
        return conn.execute(select(table.c.status).where(table.c.snapshot_id == snapshot.id)).scalar_one()


def test_the_snapshot_is_issued_with_its_files_and_figures(office):
    snapshot = office.snapshot("signoff-1")
    assert snapshot.docx.parent.parent == office.out / "snapshots"
    assert sha256_of(snapshot.docx) == snapshot.sha256 == sha256_of(office.out / f"{CODE}.docx")
    assert not snapshot.unchanged and len(snapshot.changes) == 28  # nothing was issued before
    first = next(c for c in snapshot.changes if key(c) == CITYWIDE_RATE)
    assert (first.old, first.new) == (None, "84.18%")
    assert "health/prepregnancy_checks_2023.csv" in first.delivery

    letter = office.issue(snapshot, comment="同意，按此发出")
    issued = office.out / "issued"
    assert sorted(p.name for p in issued.iterdir()) == [f"{CODE}-1.docx", f"{CODE}-1.md"]
    assert (letter.number, letter.sequence, letter.docx) == (1, 1, (issued / f"{CODE}-1.docx").resolve())
    assert sha256_of(letter.docx) == letter.sha256 == snapshot.sha256
    assert letter.markdown.read_bytes() == snapshot.markdown.read_bytes()
    assert (letter.official, letter.login, letter.comment) == ("陈濛", "approver", "同意，按此发出")
    assert letter.issued_at == ANSWERED
    assert issued_letters(office.engine) == [letter]
    draft_figures = provenance_shown(office.out / f"{CODE}.provenance.json")
    assert issued_shown(office, letter.number) == draft_figures and len(draft_figures) == 28
    assert snapshot_status(office, snapshot) == "issued"


def test_issuing_twice_gives_one_letter(office):
    snapshot = office.snapshot("signoff-1")
    letter = office.issue(snapshot)
    again = office.issue(snapshot, official="另一人", comment="再次同意")
    assert again == letter
    assert office.count("issued_letter") == 1 and office.count("issued_figure") == 28
    assert len(list((office.out / "issued").iterdir())) == 2


def test_two_workers_issuing_at_once_give_one_letter(office):
    snapshot = office.snapshot("signoff-1")
    letters, errors = [], []

    def answer():
        try:
            letters.append(office.issue(snapshot))
        except Exception as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=answer) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == [] and len(letters) == 2 and letters[0] == letters[1]
    assert office.count("issued_letter") == 1
    assert sorted(p.name for p in (office.out / "issued").iterdir()) == [f"{CODE}-1.docx", f"{CODE}-1.md"]


def test_a_snapshot_is_taken_once_per_run_and_only_of_the_announced_draft(office, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    snapshot = office.snapshot("signoff-1")
    sha = snapshot.sha256
    assert (
        take_snapshot(office.engine, office.registry, office.out, CODE, "nightly-1", "signoff-1", sha)
        == snapshot
    )
    assert office.count("reply_snapshot") == 1
    with pytest.raises(SignoffRefused, match="the draft was replaced since run nightly-2 drafted it"):
        take_snapshot(office.engine, office.registry, office.out, CODE, "nightly-2", "signoff-2", "0" * 64)
    assert office.count("reply_snapshot") == 1


def test_a_run_id_never_leads_out_of_the_snapshots_folder(office):
    snapshot = office.snapshot("../../../etc/passwd")
    assert snapshot.docx.parent.parent == office.out / "snapshots"
    assert ".." not in snapshot.docx.parent.name


def test_figures_published_after_the_snapshot_refuse_its_issue(office, monkeypatch):
    snapshot = office.snapshot("signoff-1")
    batch = office.redeliver()
    with pytest.raises(SignoffRefused) as refused:
        office.issue(snapshot)
    assert str(refused.value).startswith("已被取代：运行 signoff-1 留存快照后又发布了数据")
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    with pytest.raises(SignoffRefused) as refused:
        office.issue(snapshot)
    assert str(refused.value) == (
        "superseded: figures were published after the snapshot of run signoff-1 (load batch "
        f"{batch}: health/prepregnancy_checks_2023.csv); approve the sign-off run of the newer draft"
    )
    assert office.count("issued_letter") == 0 and not (office.out / "issued").exists()

    newer = office.snapshot("signoff-2", draft_run="nightly-2")
    assert supersede_pending(office.engine, CODE, "signoff-2") == ["signoff-1"]
    # a retried snapshot task: the same runs, to end their approvals
    assert supersede_pending(office.engine, CODE, "signoff-2") == ["signoff-1"]
    assert snapshot_status(office, snapshot) == "superseded"
    with pytest.raises(SignoffRefused, match=r"^superseded, approve run signoff-2$"):
        office.issue(snapshot)
    assert office.issue(newer).sequence == 1


def test_the_issue_task_acts_on_the_runs_snapshot_in_the_warehouse(office, monkeypatch):
    """Whatever XCom says, run signoff-2 issues its own snapshot, and only with a response signed
    for that snapshot."""
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import approval, signoff_tasks, tasks

    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "a secret every component shares")
    monkeypatch.setenv("DEPTSTATS_OUT", str(office.out))
    for module in (tasks, signoff_tasks):
        monkeypatch.setattr(module, "warehouse_url", lambda: office.url)
    first = office.snapshot("signoff-1")
    second = office.snapshot("signoff-2", draft_run="nightly-2")
    user = {"id": "approver", "name": "approver"}
    form = {"签发人": "陈濛", "意见": "同意"}

    def signed_for(snapshot: Snapshot) -> dict:
        return approval.signed_response(
            "deptstats_signoff", "signoff-2", ISSUE, form, user, ANSWERED, snapshot
        )

    with pytest.raises(AirflowFailException, match="而不是数据仓库中该运行的快照"):
        signoff_tasks.issue_letter("deptstats_signoff", "signoff-2", signed_for(first), [user])
    assert office.count("issued_letter") == 0
    signoff_tasks.issue_letter("deptstats_signoff", "signoff-2", signed_for(second), [user])
    assert (snapshot_status(office, first), snapshot_status(office, second)) == ("pending", "issued")


def test_a_newer_snapshot_is_issued_as_the_next_number(office):
    first = office.issue(office.snapshot("signoff-1"))
    kept = sha256_of(first.docx)
    batch = office.redeliver()
    second = office.snapshot("signoff-2", draft_run="nightly-2")
    assert [(key(c), c.old, c.new) for c in second.changes] == [(CITYWIDE_RATE, "84.18%", "84.24%")]
    assert f"第 {batch} 批" in second.changes[0].delivery
    subject, body = approval_brief(office.engine, office.registry, second, "https://airflow/snap.docx")
    assert "慈卫建〔2024〕7号" in subject
    assert "与上次签发的第 1 号文相比，变化的数据（共 1 项）" in body
    assert (
        "- 孕前优生健康检查率（2023，全市）：84.18% → 84.24%；数据来源：health/prepregnancy_checks_2023.csv"
        in body
    )
    assert "- 通过：文中 28 项数据与数据仓库一致。" in body
    assert "- 签发人「陈濛」中的「濛」（U+6FDB）不在 GB2312 字符集内" in body
    assert "(https://airflow/snap.docx)" in body

    letter = office.issue(second)
    assert (letter.number, letter.sequence, letter.docx.name) == (2, 2, f"{CODE}-2.docx")
    assert sha256_of(first.docx) == kept
    assert (
        issued_shown(office, 2)[CITYWIDE_RATE] == "84.24%"
        and issued_shown(office, 1)[CITYWIDE_RATE] == "84.18%"
    )


def test_a_draft_with_the_figures_of_the_last_letter_is_unchanged(office, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    office.issue(office.snapshot("signoff-1"))
    again = office.snapshot("signoff-2", draft_run="nightly-2")
    assert again.unchanged and again.changes == ()
    assert snapshot_status(office, again) == "unchanged"
    with pytest.raises(SignoffRefused, match="changes no figure of the last issued letter"):
        office.issue(again)


def test_a_return_needs_a_reason_and_records_it(office, monkeypatch):
    snapshot = office.snapshot("signoff-1")
    with pytest.raises(SignoffRefused, match=r"^退回须在「意见」中说明理由$"):
        reject(office.engine, snapshot.id, Response("陈濛", "approver", RETURN, "  ", ANSWERED))
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    with pytest.raises(SignoffRefused, match=r"^a 退回 needs a reason \(意见\)$"):
        reject(office.engine, snapshot.id, Response("陈濛", "approver", RETURN, "  ", ANSWERED))
    assert rejections(office.engine) == {} and snapshot_status(office, snapshot) == "pending"
    reject(office.engine, snapshot.id, Response("陈濛", "approver", RETURN, "托位数请再核", ANSWERED))
    reject(office.engine, snapshot.id, Response("陈濛", "approver", RETURN, "托位数请再核", ANSWERED))
    assert rejections(office.engine) == {"signoff-1": ("陈濛", "托位数请再核", ANSWERED)}
    assert snapshot_status(office, snapshot) == "rejected"
    with pytest.raises(SignoffRefused, match="was sent back"):
        office.issue(snapshot)


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_verify_issued_checks_against_what_was_issued(office, capsys, tmp_path):
    letter = office.issue(office.snapshot("signoff-1"))
    batch = office.redeliver()
    issued = ["--warehouse", office.url, "--issued", "1"]
    code, out = run_cli(capsys, "verify", str(letter.docx), *issued)
    assert code == 0, out
    assert out.strip() == (
        f"OK: {CODE}-1.docx ({CODE}): all 28 figures match issued letter 1 ({CODE}-1, 2024-06-07)"
    )
    code, out = run_cli(capsys, "verify", str(letter.docx), "--warehouse", office.url)
    assert code == 1 and "84.24%" in out  # today's warehouse differs

    edited = tmp_path / "edited.docx"
    edit_in_word(letter.docx, edited)
    code, out = run_cli(capsys, "verify", str(edited), *issued)
    assert code == 1
    typed = next(line for line in out.splitlines() if "prepregnancy_check_rate" in line)
    assert "84.81%" in typed and "84.18%" in typed
    assert out.strip().endswith(f"of 28 figures do not match issued letter 1 ({CODE}-1, 2024-06-07)")

    [notice] = issued_figures_changed(office.engine, office.registry, [batch])
    assert (notice.letter.name, notice.issued, notice.now) == (f"{CODE}-1", "84.18%", "84.24%")
    assert (
        "health/prepregnancy_checks_2023.csv（SHA-256 " in notice.line()
        and f"第 {batch} 批）" in notice.line()
    )
    assert issued_figures_changed(office.engine, office.registry, [batch - 1]) == []


def test_issued_lists_the_letters(office, capsys):
    code, out = run_cli(capsys, "issued", "--warehouse", office.url, "--format", "json")
    assert (code, json.loads(out)) == (0, [])
    code, out = run_cli(capsys, "issued", "--warehouse", office.url)
    assert (code, out.strip()) == (0, "尚未签发任何文件")
    letter = office.issue(office.snapshot("signoff-1"))
    code, out = run_cli(capsys, "issued", "--warehouse", office.url, "--format", "json")
    [listed] = json.loads(out)
    assert listed["number"] == 1 and listed["sha256"] == letter.sha256 and listed["docx"] == str(letter.docx)
    assert (listed["official"], listed["issued_at"]) == ("陈濛", "2024-06-07T09:30:12+00:00")
    code, out = run_cli(capsys, "issued", "--warehouse", office.url)
    assert code == 0 and letter.sha256 in out and str(letter.docx) in out


@pytest.mark.parametrize("issued", [True, False], ids=["issued", "nothing-issued"])
def test_the_nightly_tells_an_issued_figure_its_redelivery_changed(office, capsys, issued):
    letter = office.issue(office.snapshot("signoff-1")) if issued else None
    redeliver_prepregnancy_checks(office.landing)
    load = ["load", "--landing", str(office.landing), "--warehouse", office.url, "--run-id", "redelivery"]
    code, out = run_cli(capsys, *load)
    assert code == 0, out
    assert "CHANGED   2 figure(s) changed: 孕前优生健康检查率 2023 全市 84.18% → 84.24%" in out
    notices = [line for line in out.splitlines() if line.startswith("NOTICE")]
    from_run = pipeline.issued_figures_changed(office.engine, office.registry, run_id="redelivery")
    if letter is None:
        assert notices == [] and from_run == []
        return
    [notice] = notices
    assert notice.startswith(
        f"NOTICE    已签发文件 {CODE}-1（第 1 号，陈濛 于 2024-06-07 签发）引用的孕前优生健康检查率"
        "（health.prepregnancy_check_rate）2023 全市为 84.18%；数据仓库现为 84.24%，来源："
        "health/prepregnancy_checks_2023.csv（SHA-256 "
    )
    assert notice.endswith("已签发的文件保持不变，如需更正须另行发文")
    # the Airflow task asks by run id: the same line, and none for a run that published nothing
    assert from_run == [notice.removeprefix("NOTICE    ")]
    assert pipeline.issued_figures_changed(office.engine, office.registry, run_id="nightly-9") == []
