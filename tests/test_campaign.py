"""Loading and validating a campaign folder: each bad input gets a precise message."""

from __future__ import annotations

from pathlib import Path

import pytest

from materials import campaign as campaign_mod
from materials.errors import CampaignError, MaterialsError


def load_problems(root: Path) -> list[str]:
    with pytest.raises(CampaignError) as info:
        campaign_mod.load(root)
    return [str(p) for p in info.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_mini_campaign_loads(mini_campaign: Path) -> None:
    campaign = campaign_mod.load(mini_campaign)
    assert [f.id for f in campaign.faqs["zh-CN"]] == ["what", "green", "help"]
    assert [f.id for f in campaign.faqs["en"]] == ["what", "green", "help"]
    assert campaign.settings.service_is_placeholder


def test_service_links_are_tagged_and_facts_filled(mini_campaign: Path) -> None:
    campaign = campaign_mod.load(mini_campaign)
    html = campaign.faq("en", "what").html("portal")
    assert 'href="https://declare.health-code.example/apply?ch=portal"' in html
    assert "Test City" in html and "{{" not in html
    assert 'href="#faq-green"' in html
    booklet = campaign.faq("zh-CN", "what").html("booklet", faq_href=lambda i: f"/zh-CN/faq/{i}/")
    assert "?ch=booklet" in booklet and 'href="/zh-CN/faq/green/"' in booklet


def test_unknown_channel_is_an_error(mini_campaign: Path) -> None:
    campaign = campaign_mod.load(mini_campaign)
    with pytest.raises(MaterialsError, match="unknown publicity channel 'radio'"):
        campaign.service_link("radio")


def test_broken_toml_shows_the_line(mini_campaign: Path) -> None:
    edit(mini_campaign / "campaign.toml", 'issued = 2020-03-10', 'issued = = 2020')
    (problem,) = load_problems(mini_campaign)
    assert problem.startswith("campaign.toml line 3: TOML syntax error")
    assert "issued = = 2020" in problem


def test_http_service_url_is_refused(mini_campaign: Path) -> None:
    edit(mini_campaign / "campaign.toml", "https://declare", "http://declare")
    (problem,) = load_problems(mini_campaign)
    assert "service.url" in problem and "must start with https://" in problem


def test_bad_language_tag_and_all_problems_at_once(mini_campaign: Path) -> None:
    edit(mini_campaign / "campaign.toml", '["zh-CN", "en"]', '["zh-CN", "French"]')
    text = (mini_campaign / "campaign.toml").read_text(encoding="utf-8") + '\n[brand]\nprimary = "green"\n'
    (mini_campaign / "campaign.toml").write_text(text, encoding="utf-8")
    problems = load_problems(mini_campaign)
    assert any("languages[1]" in p and "'French' is not a language tag" in p for p in problems)
    assert any("brand.primary" in p and "#rrggbb" in p for p in problems)


def test_a_new_language_needs_its_texts_not_code(mini_campaign: Path) -> None:
    # Any language tag is accepted; what a third language needs is data: its texts, FAQ folder and strings.
    edit(mini_campaign / "campaign.toml", '["zh-CN", "en"]', '["zh-CN", "en", "fr"]')
    problems = load_problems(mini_campaign)
    assert any(p.endswith("title: no text for fr") for p in problems), problems
    assert not any("unknown language" in p for p in problems)


def test_missing_front_matter_field(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/green.md", "category: colours\n", "")
    problems = load_problems(mini_campaign)
    assert "faq/en/green.md line 2: category: required front-matter field is missing or empty" in problems


def test_duplicate_id_names_both_files(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/help.md", "id: help", "id: green")
    problems = load_problems(mini_campaign)
    assert any("duplicate id 'green'" in p and "faq/en/green.md" in p and p.startswith("faq/en/help.md")
               for p in problems)


def test_missing_translation_names_id_and_language(mini_campaign: Path) -> None:
    (mini_campaign / "faq/en/help.md").unlink()
    problems = load_problems(mini_campaign)
    assert problems == ["faq/zh-CN/help.md: id: 'help' has no en translation: add faq/en/ file with id: help"]


def test_duplicate_order(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/help.md", "order: 3", "order: 2")
    problems = load_problems(mini_campaign)
    assert any("order 2 is also used by faq/en/green.md" in p for p in problems)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("<script>alert(1)</script>", "<script> is not allowed"),
        ('<a href="#" onclick="steal()">x</a>', "event-handler attributes"),
        ("[click](javascript:alert(1))", "javascript: links are not allowed"),
    ],
)
def test_dangerous_html_names_file_and_line(mini_campaign: Path, payload: str, message: str) -> None:
    path = mini_campaign / "faq/en/help.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{payload}\n", encoding="utf-8")
    problems = load_problems(mini_campaign)
    assert len(problems) == 1
    assert problems[0].startswith("faq/en/help.md line 9:") and message in problems[0]


@pytest.mark.parametrize("blank", ["", "\n", "\n\n"])
def test_problem_lines_count_blank_lines_after_the_front_matter(mini_campaign: Path, blank: str) -> None:
    """Blank lines between the closing '---' and the answer (as most files are written) shift nothing: the
    problem is on the line an editor shows."""
    path = mini_campaign / "faq/en/help.md"
    text = path.read_text(encoding="utf-8").replace("---\nCall", f"---\n{blank}Call", 1)
    path.write_text(text + "\n[click](javascript:alert(1))\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").split("\n").index("[click](javascript:alert(1))") + 1
    problems = load_problems(mini_campaign)
    assert len(problems) == 1
    assert problems[0].startswith(f"faq/en/help.md line {line}:"), problems


def test_harmless_html_is_sanitised(mini_campaign: Path) -> None:
    path = mini_campaign / "faq/en/help.md"
    path.write_text(path.read_text(encoding="utf-8") + '\n<span lang="zh-CN" style="color:red">绿码</span>\n',
                    encoding="utf-8")
    html = campaign_mod.load(mini_campaign).faq("en", "help").html("portal")
    assert '<span lang="zh-CN">绿码</span>' in html and "style" not in html


def test_character_no_font_covers(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/zh-CN/green.md", "持绿码者", "持绿码者\U0001F600")
    problems = load_problems(mini_campaign)
    assert problems == [
        "faq/zh-CN/green.md line 8: no font covers '\U0001F600' (U+1F600 GRINNING FACE); replace the character "
        "or add a font that has it to campaign.toml fonts.sans"
    ]


def test_bidi_override_and_zero_width_are_refused(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/green.md", "Green code holders", "Green\u202e code\u200b holders")
    problems = load_problems(mini_campaign)
    assert len(problems) == 1 and "line 8" in problems[0] and "U+202E" in problems[0]


def test_non_utf8_markdown(mini_campaign: Path) -> None:
    path = mini_campaign / "faq/zh-CN/green.md"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    problems = load_problems(mini_campaign)
    assert len(problems) == 1
    assert problems[0].startswith("faq/zh-CN/green.md line 5: not valid UTF-8")
    assert "save the file as UTF-8" in problems[0]


def test_empty_faq_folder(mini_campaign: Path) -> None:
    for path in (mini_campaign / "faq").rglob("*.md"):
        path.unlink()
    assert load_problems(mini_campaign) == ["faq/: no questions found: add faq/<language>/<id>.md files"]


def test_unknown_fact_and_broken_faq_link(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/help.md", "{{ hotline }}", "{{ hotlne }}")
    edit(mini_campaign / "faq/en/what.md", "faq:green", "faq:gren")
    problems = load_problems(mini_campaign)
    assert any(p.startswith("faq/en/help.md line 7: unknown fact {{ hotlne }}") for p in problems)
    assert any(p.startswith("faq/en/what.md line 12: link to faq:gren") for p in problems)


def test_huge_file_is_refused_before_reading(mini_campaign: Path) -> None:
    path = mini_campaign / "faq/en/help.md"
    path.write_text(path.read_text(encoding="utf-8") + "x" * 300_000, encoding="utf-8")
    problems = load_problems(mini_campaign)
    assert len(problems) == 1 and "the limit is 262,144" in problems[0]


def test_brand_print_colours_are_checked_and_merged(mini_campaign: Path) -> None:
    toml = mini_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[brand]\nprimary = "#123456"\n[brand.cmyk]\n'
                    'primary = [100, 0, 50, 10]\n"#0d4a85" = [99, 79, 21, 6]\n', encoding="utf-8")
    colours = campaign_mod.load(mini_campaign).settings.brand.print_colours()
    assert colours["#123456"] == (100, 0, 50, 10) and colours["#0d4a85"] == (99, 79, 21, 6)
    assert colours["#1b1b1b"] == (0, 0, 0, 100)  # the text colour keeps its default: black ink alone
    toml.write_text(toml.read_text(encoding="utf-8").replace("[100, 0, 50, 10]", "[100, 100, 100, 10]")
                    .replace('"#0d4a85"', "blue").replace("[99, 79, 21, 6]", "[99, 79, 21, 6]\ntext = [0, 0, 120, 0]"),
                    encoding="utf-8")
    problems = "\n".join(load_problems(mini_campaign))
    assert "brand.cmyk.primary" in problems and "310% ink in all; print shops accept at most 300%" in problems
    assert "'blue' is neither a brand colour" in problems
    assert "brand.cmyk.text" in problems and "each 0 to 100" in problems


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("order: 2", "order: two", "faq/en/green.md line 3: order: 'two' must be a whole number from 1"),
    ("category: colours", "category: shades", "faq/en/green.md line 4: category: 'shades' is not one of"),
    ("tags: [green code, getting around]", "tags: green", "faq/en/green.md line 6: tags: must be a list"),
    ("tags: [green code, getting around]", "tags: []\nupdated: soon", "faq/en/green.md line 7: updated:"),
    ("tags: [green code, getting around]", "tags: []\ncolour: green", "faq/en/green.md line 7: colour: unknown"),
    ("question: What does a green code mean?\n", "", "faq/en/green.md line 2: question: required"),
])
def test_front_matter_problems_name_their_real_line(mini_campaign: Path, old: str, new: str, expected: str) -> None:
    edit(mini_campaign / "faq" / "en" / "green.md", old, new)
    problems = load_problems(mini_campaign)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_title_is_at_most_80_half_width_units(mini_campaign: Path) -> None:
    """Red team 11, #12: a 3000-character title passed `check`, then the build's trim check failed on every sign.
    40 Chinese characters or 80 Latin letters (measured: they build at every size) pass; one unit more is refused."""
    toml = mini_campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    fits = text.replace('zh-CN = "健康码测试活动"', 'zh-CN = "' + "健康码" * 13 + '码"').replace(
        'en = "Health code test campaign"', 'en = "' + ("Health code " * 7)[:80] + '"')
    toml.write_text(fits, encoding="utf-8")
    assert campaign_mod.load(mini_campaign).settings.title["zh-CN"] == "健康码" * 13 + "码"
    toml.write_text(fits.replace('码码"', '码码码"'), encoding="utf-8")
    with pytest.raises(CampaignError, match=r"zh-CN: the title '健康码健康码.*is 82 half-width units long"):
        campaign_mod.load(mini_campaign)
