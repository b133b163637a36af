"""The pipeline: staged output, verification before swap, nothing half-written.

The output kinds here are small real targets written for the test (a text file per FAQ), so the
pipeline's own guarantees are tested apart from the heavy renderers, which have their own tests.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from materials import build as build_mod
from materials.campaign import Campaign
from materials.errors import MaterialsError, Problem, VerificationError
from materials.output import LOCK, MARKER


def make_target(name: str, *, fail_verify: bool = False, crash: bool = False) -> str:
    module = types.ModuleType(f"tests_target_{name}")

    def validate(campaign: Campaign) -> list[Problem]:
        return []

    def render(campaign: Campaign, dest: Path, built: dict[str, Path]) -> None:
        for faq in campaign.faqs[campaign.primary_language]:
            (dest / f"{faq.id}.html").write_text(faq.html("portal"), encoding="utf-8")
            if crash:
                raise MaterialsError(f"{name}: renderer failed half-way")

    def verify(campaign: Campaign, dest: Path) -> list[Problem]:
        if fail_verify:
            return [Problem(f"{name}/what.html", None, None, "QR code does not decode")]
        return []

    module.validate, module.render, module.verify = validate, render, verify  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return module.__name__


@pytest.fixture
def targets(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    table = {"print": make_target("print"), "web": make_target("web")}
    monkeypatch.setattr(build_mod, "TARGETS", table)
    return table


def test_build_writes_every_target(mini_campaign: Path, targets: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_mod.build(mini_campaign, out)
    assert sorted(result.outputs) == ["print", "web"]
    assert (out / "web" / "what.html").read_text(encoding="utf-8").count("?ch=portal") == 1
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER, "print", "web"], "no staging folder may remain"
    assert any("PLACEHOLDER" in w for w in result.warnings)


def test_failed_verification_keeps_previous_output(
    mini_campaign: Path, targets: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build_mod.build(mini_campaign, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (mini_campaign / "faq/zh-CN/what.md").write_text(
        (mini_campaign / "faq/zh-CN/what.md").read_text(encoding="utf-8").replace("健康码是", "新的健康码是"),
        encoding="utf-8",
    )
    monkeypatch.setitem(build_mod.TARGETS, "web", make_target("web2", fail_verify=True))
    with pytest.raises(VerificationError, match="web output failed verification; nothing was replaced"):
        build_mod.build(mini_campaign, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "print must not be swapped in when web fails"
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER, "print", "web"]


def test_crash_half_way_leaves_nothing(mini_campaign: Path, targets: dict[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(build_mod.TARGETS, "print", make_target("print2", crash=True))
    out = tmp_path / "out"
    with pytest.raises(MaterialsError, match="failed half-way"):
        build_mod.build(mini_campaign, out)
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER], "only the ownership marker and the lock"


def test_strict_writes_nothing(mini_campaign: Path, targets: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MaterialsError, match="--strict"):
        build_mod.build(mini_campaign, out, strict=True)
    assert not out.exists() or list(out.iterdir()) == []


def test_only_selects_targets(mini_campaign: Path, targets: dict[str, str], tmp_path: Path) -> None:
    result = build_mod.build(mini_campaign, tmp_path / "out", only="web")
    assert list(result.outputs) == ["web"]


def test_outputs_are_readable_by_the_web_server(mini_campaign: Path, targets: dict[str, str], tmp_path: Path) -> None:
    import os
    import stat

    from materials.output import write_atomic

    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        build_mod.build(mini_campaign, out)
        write_atomic(out / "web" / "extra.txt", "x")
        write_atomic(out / "secret.key", b"k", mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE((out / "web").stat().st_mode) & 0o005 == 0o005
    assert stat.S_IMODE((out / "web" / "extra.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((out / "secret.key").stat().st_mode) == 0o600
