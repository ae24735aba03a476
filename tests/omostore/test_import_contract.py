"""The layers of the apps hold, and the contract `make test` runs catches an upward import."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["omostore", "stores", "accounts", "catalog", "payments", "orders", "fulfillment", "members"]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def run_lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_apps(tmp_path: Path) -> Path:
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_apps_keep_their_layers(tmp_path):
    result = run_lint_imports(copy_of_the_apps(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    # given a lower app (catalog) that imports a higher one (orders)
    tree = copy_of_the_apps(tmp_path)
    services = tree / "catalog" / "services" / "__init__.py"
    services.write_text(services.read_text() + "\nfrom orders.models import Order  # noqa\n")

    # when the contract runs
    result = run_lint_imports(tree)

    # then it fails and names the import
    assert result.returncode != 0
    assert "catalog is not allowed to import orders" in result.stdout
    assert "catalog.services -> orders.models" in result.stdout
