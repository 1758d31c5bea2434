"""The stages' architecture, checked: the import-linter contracts of pyproject.toml (layers, no
cycles), and by reading the code (src/deptstats, dags/, plugins/; imports inside functions
included) what import-linter does not see: no private name imported from another package, and
every import from one package into another naming the package and a name of its `__all__`.
Every dotted path written in a string (a -m module, an entry point, a callable Airflow loads by
name) must still resolve. Each check is a function of a root folder, so the tests run it on the
tree and on a copy broken on purpose, and see it fail there."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "deptstats"
# modules above the stage packages, imported as modules
TOP_MODULES = ("deptstats.pipeline", "deptstats.cli")
# lint-imports without the console script, which need not be on PATH
LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
)

# ---- the import-linter contracts -------------------------------------------------------------


def contract_names(root: Path) -> dict[str, str]:
    """Contract name -> type, as pyproject.toml declares them."""
    with (root / "pyproject.toml").open("rb") as handle:
        contracts = tomllib.load(handle)["tool"]["importlinter"]["contracts"]
    return {contract["name"]: contract["type"] for contract in contracts}


def lint_contracts(root: Path) -> dict[str, list[str]]:
    """Each contract of root/pyproject.toml over root/src: [] when kept, else the lines with
    which lint-imports names what breaks it ("deptstats.core.paths -> deptstats.publish (l.3)")."""
    # root/src first, so that the code read is root's even where another checkout is installed
    path = [str(root / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), COLUMNS="400")  # one import a line
    done = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    status = dict(re.findall(r"^(.+) (KEPT|BROKEN)$", done.stdout, re.MULTILINE))
    if done.returncode not in (0, 1) or not status:
        raise RuntimeError(f"lint-imports did not check the contracts:\n{output}")
    found: dict[str, list[str]] = {name: [] for name in status}
    lines = done.stdout.splitlines()
    current = None
    for line, underline in zip(lines, [*lines[1:], ""], strict=True):
        if line.strip() in status and underline.strip() and set(underline.strip()) == {"-"}:
            current = line.strip()
        elif current and line.startswith("- "):
            found[current].append(line[2:].strip())
    broken = {name for name, state in status.items() if state == "BROKEN"}
    assert broken == {name for name, lines in found.items() if lines}, output
    return found


# ---- imports, read from the code -------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    path: str  # relative to the root
    line: int
    rule: str  # "private", "api" (not through the package's __all__), "package" (__init__)
    detail: str


def code_files(root: Path) -> list[Path]:
    package = sorted((root / "src" / PACKAGE).rglob("*.py"))
    return [*package, *sorted((root / "dags").glob("*.py")), *sorted((root / "plugins").glob("*.py"))]


def module_name(root: Path, path: Path) -> str | None:
    """The dotted name of a module of src/deptstats; None for dags/ and plugins/."""
    source = root / "src"
    if source not in path.parents:
        return None
    parts = path.relative_to(source).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    """deptstats.core.registry -> deptstats.core; deptstats.pipeline -> itself."""
    return ".".join(module.split(".")[:2])


def stages(root: Path) -> list[str]:
    return sorted(f"{PACKAGE}.{path.parent.name}" for path in (root / "src" / PACKAGE).glob("*/__init__.py"))


def submodule_names(root: Path, package: str) -> set[str]:
    folder = root / "src" / Path(*package.split("."))
    return {path.stem for path in folder.glob("*.py") if path.stem != "__init__"} | {
        path.parent.name for path in folder.glob("*/__init__.py")
    }


def declared_all(init: Path) -> list[str] | None:
    """The literal `__all__` of a package's __init__.py, or None."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    return None


def public_names(root: Path) -> dict[str, set[str]]:
    """Each stage package -> the names of its __all__."""
    return {
        stage: set(declared_all(root / "src" / Path(*stage.split(".")) / "__init__.py") or ())
        for stage in stages(root)
    }


def deptstats_imports(tree: ast.AST, package: str | None) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) for each import of deptstats anywhere in a module of `package`; name
    None for `import deptstats.x`. Relative imports are made absolute."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level and package:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([module] if module else [])])
            if module.split(".")[0] == PACKAGE:
                for alias in node.names:
                    yield node.lineno, module, alias.name


def import_violation(
    importer: str | None, module: str, name: str | None, public: dict[str, set[str]], root: Path
) -> tuple[str, str] | None:
    """(rule, detail) if this import breaks a rule, else None."""
    own = stage_of(importer) if importer else None
    target = stage_of(module) if module != PACKAGE else PACKAGE
    shown = f"{name} from {module}" if name else f"import {module}"
    if target == own:
        if name and module == own and own in public and name not in submodule_names(root, own):
            return "package", f"{shown}: inside a package, import the module that defines it"
        return None
    if name and name.startswith("_"):
        return "private", f"{shown}: a private name, imported from another package"
    if module in TOP_MODULES or (module == PACKAGE and name and f"{PACKAGE}.{name}" in TOP_MODULES):
        return None
    if target not in public or module != target or name is None:
        return "api", f"{shown}: import from the package ({target}), not one of its modules"
    if name not in public[target]:
        return "api", f"{shown}: {name} is not in {target}.__all__"
    return None


def import_violations(root: Path) -> list[Violation]:
    public = public_names(root)
    found = []
    for path in code_files(root):
        importer = module_name(root, path)
        package = importer if importer and path.name == "__init__.py" else (importer or "").rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module, name in deptstats_imports(tree, package or None):
            broken = import_violation(importer, module, name, public, root)
            if broken:
                found.append(Violation(path.relative_to(root).as_posix(), line, *broken))
    return found


def package_violations(root: Path) -> list[str]:
    """Each stage package's __init__ has a docstring and a literal __all__ of public names."""
    found = []
    for stage in stages(root):
        init = root / "src" / Path(*stage.split(".")) / "__init__.py"
        names = declared_all(init)
        if not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))):
            found.append(f"{stage}: no docstring saying what the stage does")
        if names is None:
            found.append(f"{stage}: no __all__")
        found += [f"{stage}.__all__: {name} is private" for name in names or () if name.startswith("_")]
    return found


# ---- dotted paths held in strings ------------------------------------------------------------

DOTTED = re.compile(rf"\b{PACKAGE}(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?")
RUN_MODULE = re.compile(rf"-m\s+({PACKAGE}(?:\.[A-Za-z_]\w*)+)")
PYTHON_FOLDERS = ("src", "dags", "plugins", "bench")
TEXT_FILES = ("pyproject.toml", "docker-compose.yaml", "Dockerfile", "Makefile", ".ci/run", "README.md")
TEXT_FOLDERS = ("include", "docs", "docker")
# file names that read like dotted paths: the message catalogs (deptstats.po, .pot, .mo)
FILE_NAME = re.compile(rf"^{PACKAGE}\.(?:po|pot|mo)$")
# names that read like dotted paths: the event of Airflow's audit log an upload writes
NAMES = {f"{PACKAGE}.upload"}


def strings_in_python(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, dotted path, run with -m) for each dotted path in a string of the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    run_with_m = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple):
            for flag, value in zip(node.elts, node.elts[1:], strict=False):
                if isinstance(flag, ast.Constant) and flag.value == "-m" and isinstance(value, ast.Constant):
                    run_with_m.add(id(value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            modules = set(RUN_MODULE.findall(node.value))
            for found in filter(is_dotted_path, DOTTED.findall(node.value)):
                yield node.lineno, found, id(node) in run_with_m or found in modules


def is_dotted_path(found: str) -> bool:
    return not FILE_NAME.match(found) and found not in NAMES


def strings_in_text(path: Path) -> Iterator[tuple[int, str, bool]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    for number, line in enumerate(text.splitlines(), 1):
        modules = set(RUN_MODULE.findall(line))
        for found in filter(is_dotted_path, DOTTED.findall(line)):
            yield number, found, found in modules


def dotted_strings(root: Path) -> list[tuple[str, str, bool]]:
    """(where, dotted path, run with -m) for every dotted deptstats path written in a string of
    the code, or in the project's configuration, templates and documents."""
    found = []
    for folder in PYTHON_FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            found += [(f"{where}:{line}", text, module) for line, text, module in strings_in_python(path)]
    texts = [root / name for name in TEXT_FILES]
    texts += [path for folder in TEXT_FOLDERS for path in sorted((root / folder).rglob("*"))]
    for path in texts:
        if path.is_file() and path.suffix != ".py":
            where = path.relative_to(root).as_posix()
            found += [(f"{where}:{line}", text, module) for line, text, module in strings_in_text(path)]
    return found


def resolve(dotted: str, run_with_m: bool = False) -> object:
    """What a dotted path names: `module:attribute`, a module, or an attribute of the longest
    importable module before it. Raises ImportError or AttributeError when it names nothing."""
    if ":" in dotted or run_with_m:
        module, _, attributes = dotted.partition(":")
        found: object = importlib.import_module(module)
    else:
        parts = dotted.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            try:
                found = importlib.import_module(module)
                break
            except ModuleNotFoundError as missing:
                if missing.name is None or not dotted.startswith(missing.name):
                    raise  # a module that exists failed to import one of its own imports
        attributes = ".".join(parts[cut:])
    for attribute in filter(None, attributes.split(".")):
        found = getattr(found, attribute)
    return found


def unresolved(strings: list[tuple[str, str, bool]]) -> list[str]:
    broken = []
    for where, dotted, run_with_m in strings:
        try:
            resolve(dotted, run_with_m)
        except (ImportError, AttributeError) as error:
            broken.append(f"{where}: {dotted} ({type(error).__name__}: {error})")
    return broken


# ---- the tests -------------------------------------------------------------------------------


def test_the_contracts_hold():
    assert lint_contracts(REPO) == {name: [] for name in contract_names(REPO)}


def test_imports_between_packages_go_through_the_package_and_its_all():
    assert import_violations(REPO) == []


def test_every_stage_package_says_what_it_does_and_what_it_offers():
    assert stages(REPO), "no stage packages found"
    assert package_violations(REPO) == []


@pytest.mark.parametrize("stage", stages(REPO))
def test_every_name_a_package_offers_is_there_and_stays_there(stage: str):
    """Each name of __all__ resolves, and still after every module of the package has been
    imported: a module of the same name as the name must not hide it."""
    package = importlib.import_module(stage)
    before = {name: getattr(package, name) for name in package.__all__}
    for module in pkgutil.walk_packages(package.__path__, f"{stage}."):
        if ".migrations." not in f"{module.name}." and not module.name.endswith(".__main__"):
            importlib.import_module(module.name)
    after = {name: getattr(package, name) for name in package.__all__}
    assert after == before
    for name, value in after.items():
        if isinstance(value, ModuleType):  # a module offered whole: nothing of its name inside
            assert value.__name__ == f"{stage}.{name}" and not hasattr(value, name), name


def tampered_copy(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A copy of src/deptstats and pyproject.toml with an upward import in core/paths.py and a
    private name of core imported into ingest/landing.py; the line of each."""
    copied = tmp_path / "src" / PACKAGE
    shutil.copytree(REPO / "src" / PACKAGE, copied, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    lines = {}
    for relative, statement in (
        ("core/paths.py", "from deptstats.publish import load_extract"),
        ("ingest/landing.py", "from deptstats.core.printable import _escape"),
    ):
        path = copied / relative
        text = path.read_text(encoding="utf-8")
        path.write_text(f"{text}{statement}  # noqa\n", encoding="utf-8")
        lines[relative] = len(text.splitlines()) + 1
    return tmp_path, lines


def test_the_checks_fail_on_an_upward_import_and_a_private_name(tmp_path):
    root, lines = tampered_copy(tmp_path)
    by_type = {kind: name for name, kind in contract_names(root).items()}
    assert lint_contracts(root) == {
        by_type["layers"]: [f"deptstats.core.paths -> deptstats.publish (l.{lines['core/paths.py']})"],
        by_type["acyclic_siblings"]: [".core -> .publish (1 import)"],
    }
    assert import_violations(root) == [
        Violation(
            "src/deptstats/ingest/landing.py",
            lines["ingest/landing.py"],
            "private",
            "_escape from deptstats.core.printable: a private name, imported from another package",
        )
    ]


def test_the_import_check_refuses_a_module_path_and_a_name_outside_all(tmp_path):
    root, _ = tampered_copy(tmp_path)
    path = root / "src" / PACKAGE / "publish" / "outcomes.py"
    text = path.read_text(encoding="utf-8")
    added = "from deptstats.warehouse.engine import open_engine\nfrom deptstats.core import not_offered\n"
    path.write_text(text + added, encoding="utf-8")
    line = len(text.splitlines()) + 1
    assert [(v.path, v.line, v.rule) for v in import_violations(root) if v.rule == "api"] == [
        ("src/deptstats/publish/outcomes.py", line, "api"),
        ("src/deptstats/publish/outcomes.py", line + 1, "api"),
    ]


def test_every_dotted_path_in_a_string_resolves():
    strings = dotted_strings(REPO)
    assert unresolved(strings) == []
    # the collector finds the paths that matter: the check does not pass on nothing
    found = {(dotted, run_with_m) for _, dotted, run_with_m in strings}
    assert {("deptstats.cli:main", False), ("deptstats.airflow.local", True)} <= found
    assert ("deptstats.airflow.celery.worker_hostname", False) in found


def test_a_stale_dotted_path_is_reported(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "stale.py").write_text(
        'CALLABLE = "deptstats.airflow.celery.worker_host"\n'
        'COMMAND = ["python", "-m", "deptstats.airflow.celery.worker_hostname"]\n'
    )
    (tmp_path / "pyproject.toml").write_text('[project.scripts]\ndeptstats = "deptstats.cli:mainly"\n')
    assert [line.split(" (")[0] for line in unresolved(dotted_strings(tmp_path))] == [
        "src/stale.py:1: deptstats.airflow.celery.worker_host",
        "src/stale.py:2: deptstats.airflow.celery.worker_hostname",
        "pyproject.toml:2: deptstats.cli:mainly",
    ]


def test_alembic_finds_the_migrations_where_schema_points():
    from deptstats.warehouse import schema

    assert (schema.MIGRATIONS / "env.py").is_file()
    assert schema.MIGRATIONS.parent == Path(schema.__file__).resolve().parent
    assert schema.head_revision()
