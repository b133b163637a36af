"""The pipeline: staged output, verification before swap, nothing half-written.

The output kinds here are small real targets written for the test (a text file per FAQ), so the
pipeline's own guarantees are tested apart from the heavy renderers, which have their own tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from materials import build as build_mod
from materials import registry, targets
from materials.campaign import Campaign
from materials.errors import MaterialsError, Problem, VerificationError
from materials.output import LOCK, MARKER
from materials.targets import Plan


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TextTarget:
    """A real (small) output kind: one HTML file per FAQ of the primary language."""

    settings = Settings
    summary = "A test output kind."
    channels = ("portal",)  # the publicity channel its links are tagged with (materials/targets.py)

    def __init__(self, name: str, *, fail_verify: bool = False, crash: bool = False,
                 depends_on: tuple[str, ...] = ()) -> None:
        self.name = self.table = name
        self.fail_verify, self.crash, self.depends_on = fail_verify, crash, depends_on
        self.closed: list[Plan] = []

    def validate(self, campaign: Campaign) -> Plan:
        plan = Plan(campaign)
        plan.close = lambda: self.closed.append(plan)  # type: ignore[method-assign]
        return plan

    def render(self, plan: Plan, dest: Path, built: Mapping[str, Path]) -> None:
        campaign = plan.campaign
        for faq in campaign.faqs[campaign.primary_language]:
            (dest / f"{faq.id}.html").write_text(faq.html("portal"), encoding="utf-8")
            if self.crash:
                raise MaterialsError(f"{self.name}: renderer failed half-way")

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]:
        if self.fail_verify:
            return [Problem(f"{self.name}/what.html", None, None, "QR code does not decode")]
        return []


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch) -> dict[str, TextTarget]:
    """A registry of test output kinds in place of the built-in ones."""
    monkeypatch.setattr(registry, "BUILTIN", ())
    monkeypatch.setattr(registry, "_registry", {})
    made = {"print": TextTarget("print"), "web": TextTarget("web", depends_on=("print",))}
    for kind in made.values():
        targets.register(kind)
    return made


def replace(monkeypatch: pytest.MonkeyPatch, kind: TextTarget) -> None:
    monkeypatch.setitem(registry._registry, kind.name, kind)


def test_build_writes_every_target(mini_campaign: Path, kinds: dict[str, TextTarget], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_mod.build(mini_campaign, out)
    assert sorted(result.outputs) == ["print", "web"]
    assert (out / "web" / "what.html").read_text(encoding="utf-8").count("?ch=portal") == 1
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER, "print", "web"], "no staging folder may remain"
    assert any("PLACEHOLDER" in w for w in result.warnings)


def test_failed_verification_keeps_previous_output(
    mini_campaign: Path, kinds: dict[str, TextTarget], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    build_mod.build(mini_campaign, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (mini_campaign / "faq/zh-CN/what.md").write_text(
        (mini_campaign / "faq/zh-CN/what.md").read_text(encoding="utf-8").replace("健康码是", "新的健康码是"),
        encoding="utf-8",
    )
    replace(monkeypatch, TextTarget("web", fail_verify=True))
    with pytest.raises(VerificationError, match="web output failed verification; nothing was replaced"):
        build_mod.build(mini_campaign, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before, "print must not be swapped in when web fails"
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER, "print", "web"]


def test_crash_half_way_leaves_nothing(mini_campaign: Path, kinds: dict[str, TextTarget], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    replace(monkeypatch, TextTarget("print", crash=True))
    out = tmp_path / "out"
    with pytest.raises(MaterialsError, match="failed half-way"):
        build_mod.build(mini_campaign, out)
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER], "only the ownership marker and the lock"


def test_strict_writes_nothing(mini_campaign: Path, kinds: dict[str, TextTarget], tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(MaterialsError, match="--strict"):
        build_mod.build(mini_campaign, out, strict=True)
    assert not out.exists() or list(out.iterdir()) == []


def test_only_selects_targets(mini_campaign: Path, kinds: dict[str, TextTarget], tmp_path: Path) -> None:
    result = build_mod.build(mini_campaign, tmp_path / "out", only="web")
    assert list(result.outputs) == ["web"]


def test_outputs_are_readable_by_the_web_server(mini_campaign: Path, kinds: dict[str, TextTarget],
                                                tmp_path: Path) -> None:
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


def test_every_plan_is_closed_rendered_or_not(mini_campaign: Path, kinds: dict[str, TextTarget],
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_mod.build(mini_campaign, tmp_path / "out")
    assert [len(k.closed) for k in kinds.values()] == [1, 1]
    crashing = TextTarget("print", crash=True)
    replace(monkeypatch, crashing)
    with pytest.raises(MaterialsError):
        build_mod.build(mini_campaign, tmp_path / "out")
    assert len(crashing.closed) == 1 and len(kinds["web"].closed) == 2, "a failed build still releases plans"


def test_an_output_kind_missing_a_method_is_an_error(kinds: dict[str, TextTarget]) -> None:
    class NoVerify:
        name = table = "screens"
        settings = Settings
        summary = "Screens."
        depends_on = ()

        def validate(self, campaign: Campaign) -> Plan:
            return Plan(campaign)

        def render(self, plan: Plan, dest: Path, built: Mapping[str, Path]) -> None:
            del plan, dest, built

    with pytest.raises(TypeError, match="'screens' lacks verify"):
        targets.register(NoVerify())
    assert "screens" not in targets.registered()


def test_dependencies_render_first(kinds: dict[str, TextTarget], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_registry", {})
    targets.register(TextTarget("web", depends_on=("print",)))
    targets.register(TextTarget("print"))
    assert list(targets.registered()) == ["print", "web"]
    assert build_mod.parse_only("web,print") == ["print", "web"]
    targets.register(TextTarget("print", depends_on=("web",)))
    with pytest.raises(TypeError, match=r"circle: (print -> web -> print|web -> print -> web)"):
        targets.registered()


def test_each_output_kind_brings_its_settings_table() -> None:
    from materials.config import settings_model

    fields = settings_model().model_fields
    assert {"print", "venues", "site"} <= set(fields)
    assert fields["site"].description == "The FAQ website."



def test_composed_settings_survive_pickling(mini_campaign: Path) -> None:
    """Process pools and Dask workers receive settings by pickle; the composed model must be findable."""
    import pickle

    from materials.campaign import load

    settings = load(mini_campaign).settings
    assert pickle.loads(pickle.dumps(settings)) == settings
