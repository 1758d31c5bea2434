"""The steward's fix-and-clear in the Airflow UI itself, in headless Chromium (Debian's package,
driven by Playwright), the steward's UI in Chinese: the 拒收文件 (Refused files) tab shows the
problem in Chinese, Clear then Confirm reruns the task, the run turns green; the analyst (UI in
English) cannot clear. The problems page of the refused batch shows its problems with every
request to another host blocked, and follows the language picked in the UI. Screenshots of the
steward's pages go to a temporary folder, or to $DEPTSTATS_SCREENSHOTS: `make screenshots`
refreshes docs/*.png, which README shows. The health clerk checks a file on the upload page
(上传文件) and reads the report."""

from __future__ import annotations

import io
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import openpyxl
import pytest

from tests.live.conftest import DAG_ID, break_health_row, fix_health_row, set_cell

pytestmark = [pytest.mark.live, pytest.mark.gx, pytest.mark.browser, pytest.mark.external]
BAD_FILE = "education/kindergartens_2023.csv"
BAD_TASK = "education.kindergartens"
HEALTH_FILE = "health/prepregnancy_checks_2023.csv"
# its name in the grid: the extract's, in the deployment's language (zh_CN)
BAD_TASK_NAME = "幼儿园及在园幼儿"
# The names of the UI's controls the tests use, as Airflow's own catalogs word them
UI_WORDS = {
    "en": {"clear": "Clear Task Instance", "confirm": "Confirm", "success": "Success", "failed": "Failed"},
    "zh-CN": {"clear": "清除 任务实例", "confirm": "确认", "success": "成功", "failed": "失败"},
}
# A closed network: no background fetches, no sandbox as root (see README, Testing)
# Milliseconds: the UI's first load (a large JavaScript bundle, several API calls) takes long on
# a loaded machine; a healthy page answers at once.
PAGE_TIMEOUT = 180_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("DEPTSTATS_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        message = (
            "Chromium not found: `make test` installs Debian's chromium (as root), or "
            "set DEPTSTATS_CHROMIUM to a Chromium binary"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$DEPTSTATS_SCREENSHOTS, else a temporary folder: a test run leaves the checkout as it was."""
    folder = os.environ.get("DEPTSTATS_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT
        )
        yield browser
        browser.close()


def login(browser, live, user: str, language: str = "en"):
    """A page logged in as `user` on FAB's login page, the UI in `language` (as if picked in the
    UI: i18nextLng). Every browser login of the tests goes through here."""
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.set_default_timeout(PAGE_TIMEOUT)
    page.goto(live.url + "/")
    page.wait_for_url(re.compile(re.escape(live.url) + r"/auth/login/.*"))
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(live.passwords[user])
    page.locator("input[type=submit]").click()
    page.wait_for_url(live.url + "/")
    page.evaluate("language => localStorage.setItem('i18nextLng', language)", language)
    return page


@pytest.fixture(scope="module")
def failed_run(live):
    """A run refusing one kindergartens file (an ownership that is not in the dictionary)."""
    fix_health_row(live.landing)  # this run refuses the kindergartens file alone
    path = live.landing / BAD_FILE
    original = path.read_bytes()
    ownership = set_cell(path, 3, 3, "公私合办")
    admin = live.client("admin")
    run_id = admin.call("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": None})["dag_run_id"]
    assert admin.wait_run(DAG_ID, run_id) == "failed"
    assert admin.task_states(DAG_ID, run_id)[BAD_TASK] == "failed"
    return run_id, original, ownership


def settled(page) -> None:
    """Until every finite CSS animation or transition of the page has finished."""
    page.evaluate("""() => Promise.all(document.getAnimations()
        .filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)
        .map(a => a.finished.catch(() => null)))""")


def clear_dialog(page, live, run_id: str, language: str = "en"):
    page.goto(f"{live.url}/dags/{DAG_ID}/runs/{urllib.parse.quote(run_id, safe='')}")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=BAD_TASK_NAME, exact=True))
    row.get_by_role("button", name=UI_WORDS[language]["clear"]).click()
    return page.get_by_role("dialog")


def test_the_analyst_may_not_clear(browser, live, failed_run):
    run_id, _, _ = failed_run
    page = login(browser, live, "analyst")
    dialog = clear_dialog(page, live, run_id)
    confirm = dialog.get_by_role("button", name="Confirm")
    dialog.get_by_text("Affected Tasks: 0").wait_for()
    assert confirm.is_disabled()
    page.context.close()


def test_the_problems_page_needs_nothing_from_elsewhere(browser, live, failed_run):
    """Every request to another host is refused: the page still shows its problems, and asked
    for none; with the UI in English the page follows it."""
    run_id, _, _ = failed_run
    page = login(browser, live, "steward", "zh-CN")
    elsewhere: list[str] = []

    def local_only(route) -> None:
        if route.request.url.startswith(live.url + "/"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    files = live.client("admin").get("/deptstats/api/deliveries", run_id=run_id)
    batch_id = next(f["batch_id"] for f in files if f["file"] == BAD_FILE and f["status"] == "rejected")
    page.goto(f"{live.url}/deptstats/problems/{batch_id}")
    page.get_by_role("row").filter(has_text="公私合办").wait_for()
    body = page.locator("body").inner_text()
    assert "办园性质" in body and "第 1 页，共 1 页" in body and "修改文件中的这个值" in body
    page.evaluate("localStorage.setItem('i18nextLng', 'en')")
    page.goto(f"{live.url}/deptstats/problems/{batch_id}")
    page.wait_for_url(re.compile(rf"/deptstats/problems/{batch_id}\?lang=en$"))
    page.get_by_text("Page 1 of 1").first.wait_for()
    assert page.get_by_role("row").filter(has_text="公私合办").count() == 1
    assert elsewhere == []
    page.context.close()


def follow_the_log_to_the_problems(page, live, run_id: str, screenshots: Path) -> None:
    """The red task's log, in the UI: its first line in Chinese, and the link of its full list
    of problems, followed to the steward's page, whose XLSX download is the department's copy."""
    page.goto(f"{live.url}/dags/{DAG_ID}/runs/{urllib.parse.quote(run_id, safe='')}/tasks/{BAD_TASK}")
    page.get_by_text(f"已拒收 {BAD_FILE}").first.wait_for()
    page.get_by_text("完整问题清单：").first.wait_for()
    shown = page.locator("body").inner_text()
    links = set(re.findall(r"完整问题清单：\s*(\S+/deptstats/problems/\d+)", shown))
    at = shown.find("完整问题清单")
    assert len(links) == 1, shown[max(0, at - 300) : at + 300]
    [link] = links
    assert link.startswith(live.url + "/"), link
    page.screenshot(path=str(screenshots / "steward-task-log.png"))
    page.goto(link)
    page.get_by_role("row").filter(has_text="公私合办").wait_for()
    assert "办园性质" in page.locator("#problems").inner_text()
    page.screenshot(path=str(screenshots / "steward-problems.png"))
    with page.expect_download() as downloading:
        page.get_by_role("link", name="XLSX").click()
    download = downloading.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert list(rows[0][:4]) == ["行号", "行标识", "列", "数值"]
    assert any("公私合办" in row for row in rows[1:]), rows


def test_the_steward_reads_the_refusal_fixes_and_clears(browser, live, failed_run, screenshots):
    run_id, _, ownership = failed_run
    words = UI_WORDS["zh-CN"]
    page = login(browser, live, "steward", "zh-CN")
    page.goto(f"{live.url}/plugin/deptstats-deliveries")
    page.frame_locator("iframe").get_by_text(BAD_FILE).first.wait_for()
    page.screenshot(path=str(screenshots / "steward-deliveries.png"))

    page.goto(f"{live.url}/dags/{DAG_ID}/runs/{urllib.parse.quote(run_id, safe='')}")
    page.get_by_role("link", name="拒收文件").click()
    frame = page.frame_locator("iframe")
    problem = frame.get_by_role("row").filter(has_text="公私合办")
    problem.wait_for()
    assert "办园性质" in problem.inner_text() and "修改文件中的这个值" in problem.inner_text()
    assert BAD_TASK in frame.locator("body").inner_text()
    page.screenshot(path=str(screenshots / "steward-refused-files.png"))
    follow_the_log_to_the_problems(page, live, run_id, screenshots)

    set_cell(live.landing / BAD_FILE, 3, 3, ownership)  # the steward's fix
    dialog = clear_dialog(page, live, run_id, "zh-CN")
    dialog.get_by_text(BAD_TASK).first.wait_for()
    settled(page)  # the dialog fades in
    page.screenshot(path=str(screenshots / "steward-clear-dialog.png"))
    admin = live.client("admin")
    ended = admin.run(DAG_ID, run_id)["end_date"]
    dialog.get_by_role("button", name=words["confirm"]).click()
    assert admin.wait_rerun(DAG_ID, run_id, ended) == "success", (
        admin.task_states(DAG_ID, run_id),
        admin.get("/deptstats/api/deliveries", run_id=run_id),
    )
    page.reload()
    page.get_by_text(words["success"], exact=True).first.wait_for()
    # the task rows are drawn, so that no "Failed" below means none, not "not loaded yet"
    page.get_by_role("row").filter(has=page.get_by_role("link", name=BAD_TASK_NAME, exact=True)).wait_for()
    assert page.get_by_text(words["failed"], exact=True).count() == 0
    states = live.client("admin").task_states(DAG_ID, run_id)
    assert states[BAD_TASK] == "success" and states["report_failures"] == "skipped"
    page.context.close()


def test_a_clerk_checks_a_file_on_the_upload_page(browser, live, tmp_path, screenshots):
    """The health clerk, the UI in Chinese, opens the upload page (上传文件), chooses the extract,
    the period and a file that checks more people than it targets, and reads the report:
    refused, nothing to deliver."""
    refused = tmp_path / HEALTH_FILE
    refused.parent.mkdir(parents=True)
    shutil.copy(live.landing / HEALTH_FILE, refused)
    fix_health_row(tmp_path)
    break_health_row(tmp_path)
    page = login(browser, live, "clerk_health", "zh-CN")
    # inside the Airflow UI, as its navigation opens it
    page.goto(f"{live.url}/plugin/deptstats-upload")
    form = page.frame_locator("iframe")
    form.locator("#extract").select_option("prepregnancy_checks")
    offered = " ".join(form.locator("#extract option").all_inner_texts())
    assert "孕前优生健康检查" in offered and "幼儿园及在园幼儿" not in offered  # its department's only
    form.locator("#period").fill("2023")
    form.locator("#file").set_input_files(str(refused))
    form.locator("#upload button[type=submit]").click()
    outcome = form.locator('#outcome[data-outcome="refused"]')
    outcome.wait_for()
    assert "未通过" in outcome.inner_text()
    problems = form.locator("#problems").inner_text()
    assert "检查人数 (checked_people)不得超过目标人群数 (target_people)" in problems and "641" in problems, (
        problems
    )
    assert form.locator("#deliver").count() == 0
    page.screenshot(path=str(screenshots / "upload-page.png"))
    page.context.close()
