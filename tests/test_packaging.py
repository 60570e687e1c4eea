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


def test_the_license_file_is_the_apache_license_pyproject_names() -> None:
    import hashlib

    assert tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"] == "Apache-2.0"
    text = (REPO / "LICENSE").read_bytes()  # setuptools ships LICEN[CS]E* by default (License-File)
    # https://www.apache.org/licenses/LICENSE-2.0.txt, unmodified
    assert hashlib.sha256(text).hexdigest() == "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
