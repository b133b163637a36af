"""The command line: exit statuses, messages, help on every command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from materials import __version__
from materials.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
    return found


def test_version() -> None:
    assert run("--version") == (0, f"materials, version {__version__}\n")


@pytest.mark.parametrize("path", all_commands(cli))
def test_every_command_has_help_and_is_in_the_readme(path: tuple[str, ...]) -> None:
    code, output = run(*path, "--help")
    assert code == 0 and "Usage:" in output
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help and command.help.strip(), f"materials {' '.join(path)} has no help text"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"materials {' '.join(path)}" in readme, f"README does not document `materials {' '.join(path)}`"


def test_check_passes_on_fixture(mini_campaign: Path) -> None:
    code, output = run("check", "--campaign", str(mini_campaign))
    assert code == 0
    assert "ok:" in output and "3 zh-CN, 3 en FAQs" in output
    assert "PLACEHOLDER" in output  # CliRunner mixes stderr in: the warning is loud


def test_strict_fails_on_placeholder_service(mini_campaign: Path) -> None:
    code, output = run("check", "--campaign", str(mini_campaign), "--strict")
    assert code == 1
    assert re.search(r"--strict: \d+ warning\(s\) turned into failure", output)


def test_input_problem_exits_1_without_traceback(mini_campaign: Path) -> None:
    (mini_campaign / "faq/en/help.md").unlink()
    code, output = run("check", "--campaign", str(mini_campaign))
    assert code == 1
    assert "Traceback" not in output
    assert "'help' has no en translation" in output


def test_usage_error_exits_2() -> None:
    code, output = run("build", "--no-such-option")
    assert code == 2 and "No such option" in output


def test_unknown_only_target(mini_campaign: Path) -> None:
    code, output = run("build", "--campaign", str(mini_campaign), "--only", "web,radio")
    assert code == 2 and "choose from print, venues, web" in output, "a wrong --only value is a usage error"


def test_out_pointing_at_campaign_is_refused(mini_campaign: Path) -> None:
    before = sorted(p.relative_to(mini_campaign) for p in mini_campaign.rglob("*"))
    for out in (mini_campaign, mini_campaign.parent):
        code, output = run("build", "--campaign", str(mini_campaign), "--out", str(out))
        assert code == 1
        assert "contains the campaign folder" in output
    assert sorted(p.relative_to(mini_campaign) for p in mini_campaign.rglob("*")) == before


def test_missing_campaign_folder(tmp_path: Path) -> None:
    code, output = run("check", "--campaign", str(tmp_path / "nowhere"))
    assert code == 1 and "does not exist" in output


def test_folder_without_settings(tmp_path: Path) -> None:
    code, output = run("check", "--campaign", str(tmp_path))
    assert code == 1 and "campaign.toml: file not found" in output


def test_settings_reference_lists_every_key() -> None:
    code, output = run("settings")
    assert code == 0
    for key in ("service.url", "languages", "brand.primary", "fonts.sans", "faq_categories"):
        assert f"`{key}`" in output
