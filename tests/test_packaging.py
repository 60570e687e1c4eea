"""The distribution ships every package of the repository layout."""

from __future__ import annotations

import tomllib

from conftest import REPO

ROOTS = {"ocpi_tap": "ocpi_tap", "peers": "ocpi_tap.peers", "proxy": "ocpi_tap.proxy", "replay": "ocpi_tap.replay", "rules": "ocpi_tap.rules"}


def test_every_package_directory_is_listed_in_pyproject() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = set()
    for directory, package in ROOTS.items():
        for init in (REPO / directory).rglob("__init__.py"):
            relative = init.parent.relative_to(REPO / directory)
            on_disk.add(".".join([package, *relative.parts]))
    assert set(config["packages"]) == on_disk
    assert {config["package-dir"][package] for package in ROOTS.values()} == set(ROOTS)
