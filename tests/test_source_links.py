"""Campaign source files that are symbolic links leading outside the campaign are refused, never published (#17)."""
from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from materials.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_a_faq_file_linking_outside_the_campaign_is_refused(mini_campaign: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    shutil.copy(mini_campaign / "faq" / "en" / "help.md", outside)
    outside.write_text(outside.read_text(encoding="utf-8") + "\nSECRET-OUTSIDE-TEXT\n", encoding="utf-8")
    (mini_campaign / "faq" / "en" / "help.md").unlink()
    (mini_campaign / "faq" / "en" / "help.md").symlink_to(outside)
    code, output = run("build", "--only", "web", "--campaign", str(mini_campaign))
    assert code == 1, output
    assert f"faq/en/help.md: is a link to {outside}, outside the campaign folder" in output, output
    published = [p for p in (mini_campaign / "output").rglob("*") if p.is_file()]
    assert not any(b"SECRET-OUTSIDE-TEXT" in p.read_bytes() for p in published)


def test_a_faq_folder_linking_outside_the_campaign_is_refused(mini_campaign: Path, tmp_path: Path) -> None:
    """The link is the language folder, not the file (`faq/en -> /elsewhere`): its files lead out all the same."""
    outside = tmp_path / "outside-en"
    shutil.move(mini_campaign / "faq" / "en", outside)
    (outside / "help.md").write_text((outside / "help.md").read_text(encoding="utf-8") + "\nSECRET-OUTSIDE-TEXT\n",
                                     encoding="utf-8")
    (mini_campaign / "faq" / "en").symlink_to(outside)
    code, output = run("build", "--only", "web", "--campaign", str(mini_campaign))
    assert code == 1, output
    assert f"faq/en/help.md: leads to {outside / 'help.md'}, outside the campaign folder" in output, output
    published = [p for p in (mini_campaign / "output").rglob("*") if p.is_file()]
    assert not any(b"SECRET-OUTSIDE-TEXT" in p.read_bytes() for p in published)


def test_a_faq_file_linking_inside_the_campaign_is_followed(mini_campaign: Path) -> None:
    inside = mini_campaign / "kept-help.md"
    (mini_campaign / "faq" / "en" / "help.md").rename(inside)
    (mini_campaign / "faq" / "en" / "help.md").symlink_to(inside)
    code, output = run("check", "--campaign", str(mini_campaign))
    assert code == 0 and "is a link to" not in output, output


def test_a_notice_or_poster_linking_outside_the_campaign_is_refused(tmp_path: Path) -> None:
    campaign = tmp_path / "c"
    shutil.copytree(ROOT, campaign, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "output", "materials", "tests", "benchmarks", "docs", "scripts", "*.egg-info"))
    outside = tmp_path / "outside"
    outside.mkdir()
    for relative in ("notice/en.md", *(p.relative_to(campaign).as_posix()
                                       for p in sorted((campaign / "posters").glob("*.md"))[:1])):
        target = outside / relative.replace("/", "-")
        shutil.copy(campaign / relative, target)
        (campaign / relative).unlink()
        (campaign / relative).symlink_to(target)
        code, output = run("check", "--campaign", str(campaign))
        assert code == 1 and f"{relative}: is a link to {target}, outside the campaign folder" in output, output
        (campaign / relative).unlink()
        shutil.copy(target, campaign / relative)


def test_a_poster_picture_linking_outside_says_so(tmp_path: Path) -> None:
    """It was "does not exist" for a link at the campaign's images/ named from posters/ (red team, #17)."""
    campaign = tmp_path / "c"
    shutil.copytree(ROOT, campaign, ignore=shutil.ignore_patterns(
        ".git", ".venv", "node_modules", "output", "materials", "tests", "benchmarks", "docs", "scripts", "*.egg-info"))
    outside = tmp_path / "pic.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    (campaign / "images").mkdir()
    (campaign / "images" / "pic.png").symlink_to(outside)
    poster = campaign / "posters" / "apply.md"
    poster.write_text(poster.read_text(encoding="utf-8").replace("icon: scan\n", "icon: scan\nimage: images/pic.png\n",
                                                                  1), encoding="utf-8")
    code, output = run("check", "--campaign", str(campaign))
    assert code == 1 and "'images/pic.png' does not exist: posters/images/pic.png (a picture is named relative to" \
        in output, output
    (campaign / "posters" / "images").mkdir()
    (campaign / "posters" / "images" / "pic.png").symlink_to(outside)
    code, output = run("check", "--campaign", str(campaign))
    assert code == 1 and f"'images/pic.png' is a link to {outside}, outside the campaign folder" in output, output
