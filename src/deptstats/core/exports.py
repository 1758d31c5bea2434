"""How a stage package offers its names without importing its modules up front (PEP 562): the
package lists the names in `__all__` and, for each of its modules, the names it takes from it; a
name is imported from its module when first asked for, and read from that module at every use.
So importing a package costs nothing until a name is used (the DAG file imports deptstats.core
while Airflow parses it), and a name replaced in its own module is the one every caller gets."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, names_by_module: Mapping[str, Iterable[str]], modules: Iterable[str] = ()
) -> Callable[[str], Any]:
    """The module-level `__getattr__` of `package`: each name of `names_by_module[module]` comes
    from `package.module`; each of `modules` is a module of the package offered whole. A name
    must not be the name of the module it comes from: the module, once imported, would hide it
    (bind such a name in the package's __init__ instead)."""
    home = {name: module for module, names in names_by_module.items() for name in names}
    whole = frozenset(modules)
    hidden = sorted(name for name, module in home.items() if name == module)
    if hidden:
        raise ValueError(f"{package}: {', '.join(hidden)} would be hidden by the module of the same name")

    def attribute(name: str) -> Any:
        if name in whole:
            return importlib.import_module(f"{package}.{name}")
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home[name]}"), name)

    return attribute
