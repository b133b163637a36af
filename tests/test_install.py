"""The tool as a city installs it: a wheel built from this checkout, installed into a fresh venv, makes
and builds a new campaign outside the repository.

The fresh venv takes the wheel alone (`--no-deps`) and finds the dependencies in the project's own venv
(a `.pth` naming its site-packages, whose own `.pth` files, the editable install of this checkout among them,
are not run): what is tested is the wheel, not pip's resolver, which `make setup` runs on the same
`pyproject.toml`. Installing every dependency again cost a minute and a half of the suite.
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from materials.templating import BUILTIN

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            check=False, timeout=1500)
    assert result.returncode == 0, f"{args}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of what it is built from, so the build writes nothing into the checkout."""
    source = tmp_path / "source"
    for name in ("pyproject.toml", "README.md", "LICENSE", "campaign.toml", "glossary.toml"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    for name in ("materials", "templates", "faq", "posters", "tips"):  # materials/starter links to the content
        shutil.copytree(ROOT / name, source / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", dist, source, cwd=tmp_path)
    (built,) = dist.glob("materials-*.whl")
    return built


def test_the_wheel_carries_the_top_level_templates_and_every_module(tmp_path: Path) -> None:
    """The built-in templates live in the top-level templates/ folder and install as materials/templates/."""
    names = set(zipfile.ZipFile(wheel(tmp_path)).namelist())
    templates = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    assert len(templates) > 30
    missing = [t for t in templates if "materials/" + t not in names]
    assert missing == [], f"templates missing from the wheel: {missing}"
    modules = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "materials").rglob("*.py"))
    assert [m for m in modules if m not in names] == [], "a package is missing from pyproject.toml's packages"
    assert not any(n.startswith("templates/") for n in names), "templates install inside the package"


def test_a_checkout_finds_the_built_in_templates_in_the_top_level_folder() -> None:
    """The editable install maps materials.templates onto templates/: one copy of the templates, found
    through importlib.resources as an installed wheel finds its own."""
    assert Path(str(importlib.resources.files("materials.templates"))).resolve() == (ROOT / "templates").resolve()
    assert BUILTIN.resolve() == (ROOT / "templates").resolve()
    assert not (ROOT / "materials" / "templates").exists()


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_makes_and_builds_a_new_campaign(tmp_path: Path) -> None:
    built = wheel(tmp_path)
    names = zipfile.ZipFile(built).namelist()
    assert "materials/templates/web/base.html" in names and "materials/templates/print/print.css" in names
    assert sum(n.startswith("materials/starter/faq/en/") for n in names) == 40
    assert {"materials/starter/campaign.toml", "materials/starter/glossary.toml"} <= set(names)
    assert not any(n.startswith(("tests/", "faq/")) for n in names), "only the package goes into the wheel"

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp_path)
    run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", built, cwd=tmp_path)
    ours = run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path)
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (Path(ours.stdout.strip()) / "project-dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n",
                                                                        encoding="utf-8")
    where = run(venv / "bin" / "python", "-c", "import materials; print(materials.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), f"materials comes from the wheel, not the checkout: {where.stdout}"

    work = tmp_path / "elsewhere"  # outside the repository: nothing of the checkout is reachable from here
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    materials = venv / "bin" / "materials"
    made = run(materials, "new", "mycity", cwd=work, env=env)
    assert "PLACEHOLDER" in made.stdout
    assert (work / "mycity" / ".gitignore").read_text(encoding="utf-8").count("output") == 1
    # One size per kind of print (the defaults make every poster in four sizes): what is tested here is that the
    # installed package builds a campaign of its own, not each size again (tests/print does that).
    with (work / "mycity" / "campaign.toml").open("a", encoding="utf-8") as settings:
        settings.write('\n[print]\nposter_sizes = ["A4", "billboard"]\ntip_sizes = ["A5"]\nbooklet_sizes = ["A5"]\n')
    built = run(materials, "build", "--campaign", "mycity", cwd=work, env=env)
    assert "PLACEHOLDER" in built.stderr, "a new campaign warns about every value it must still set"
    out = work / "mycity" / "output"
    assert (out / "print" / "manifest.json").is_file()
    assert (out / "venues" / "manifest.csv").read_text(encoding="utf-8-sig").count("\n") == 9  # header + 8
    assert (out / "web" / "en" / "faq" / "index.html").is_file()
    key = (work / "mycity" / ".materials" / "venue-signing.key").read_text(encoding="utf-8")
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".json", ".html"):
            assert key.strip().splitlines()[-1] not in path.read_text(encoding="utf-8", errors="replace")
    strict = subprocess.run([str(materials), "check", "--campaign", "mycity", "--strict"], cwd=work, env=env,
                            capture_output=True, text=True, check=False)
    assert strict.returncode == 1 and "--strict" in strict.stderr
