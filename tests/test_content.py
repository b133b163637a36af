"""Content a city can publish: sourced facts, one vocabulary, 40 questions.

Each check is tested by planting the mistake it exists for (an unknown fact, a fact typed out, a
glossary variant, an invented term) in a copy of a fixture campaign and reading the message: it must
name the file and the line.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import pytest
from test_campaign import edit
from test_campaign import load_problems as problems_of

from materials import campaign as campaign_mod
from materials.build import check
from materials.errors import CampaignError, MaterialsError

GLOSSARY = '''
[[terms]]
concept = "health QR code"
rule = "the notice's name"
zh-CN = { preferred = "健康码", variants = ["健康二维码"] }
en = { preferred = "health code", first = "health QR code", variants = ["health-code"] }

[[terms]]
concept = "inspection staff"
zh-CN = { preferred = "查验人员", variants = ["检查人员"] }
en = { preferred = "inspection staff", variants = ["inspection personnel", "inspector"] }

[[terms]]
concept = "key places"
zh-CN = { preferred = "火车站", variants = ["车站"], allow = ["公路客运站"] }

[[terms]]
concept = "words the campaign does not use"
rule = "not the health code"
zh-CN = { variants = ["健康证"] }
en = { variants = ["health certificate"] }

[spelling.en]
color = "colour"
'''


@pytest.fixture
def glossary_campaign(mini_campaign: Path) -> Path:
    """The mini campaign with a glossary, its texts written to pass it."""
    (mini_campaign / "glossary.toml").write_text(GLOSSARY, encoding="utf-8")
    edit(mini_campaign / "campaign.toml", "issued = 2020-03-10\n", 'issued = 2020-03-10\nglossary = "glossary.toml"\n')
    edit(mini_campaign / "faq/en/what.md", "What is the health code?", "What is the health QR code?")
    edit(mini_campaign / "faq/en/green.md", "a green code mean?", "a green health QR code mean?")
    edit(mini_campaign / "faq/en/help.md", "the staff on site", "the inspection staff")
    edit(mini_campaign / "faq/zh-CN/help.md", "现场工作人员", "查验人员")
    campaign_mod.load(mini_campaign)  # passes as written
    return mini_campaign


# --- the shipped campaign -------------------------------------------------------------------------

def test_shipped_campaign_passes_with_only_unconfirmed_fact_warnings(
    shipped_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="materials"):
        campaign = campaign_mod.load(shipped_root)
    assert not caplog.records, "loading logs nothing: the commands that use facts report them"
    warnings = campaign.fact_notes
    assert warnings and all(w.startswith("unconfirmed fact {{ ") for w in warnings), warnings
    unconfirmed = {re.match(r"unconfirmed fact \{\{ (\w+) \}\}", w).group(1) for w in warnings}  # type: ignore[union-attr]
    facts = campaign.settings.facts
    assert unconfirmed == {name for name, fact in facts.items() if not fact.confirmed}
    # Only what the notice itself says is confirmed, each with its source and date.
    assert {name for name, fact in facts.items() if fact.confirmed} == {"city", "notice_date", "notice_publisher"}
    for name, fact in facts.items():
        assert fact.source is not None and fact.source.document, name
        assert set(fact.text) == {"zh-CN", "en"}, name


def test_shipped_faq_has_exactly_40_questions_the_same_in_both_languages(shipped_root: Path) -> None:
    campaign = campaign_mod.load(shipped_root)
    for lang in ("zh-CN", "en"):
        assert [f.order for f in campaign.faqs[lang]] == list(range(1, 41))
    assert [f.id for f in campaign.faqs["zh-CN"]] == [f.id for f in campaign.faqs["en"]]
    # Paragraphs and list items line up: English written from the Chinese, nothing added or dropped.
    for zh, en in zip(campaign.faqs["zh-CN"], campaign.faqs["en"], strict=True):
        shape = [(len(re.findall(r"^\s*(?:[-*]|\d+\.)\s", f.body, re.M)), len(re.split(r"\n\s*\n", f.body)),
                  len(re.findall(r"\]\((?:faq|service):", f.body))) for f in (zh, en)]
        assert shape[0] == shape[1], zh.id


def test_shipped_texts_state_no_rule_the_notice_does_not_make(shipped_root: Path) -> None:
    """The statements the review found, gone from every FAQ, poster, tip and site text."""
    from materials import texts

    campaign = campaign_mod.load(shipped_root)
    everything = "\n".join(t.text for t in texts.collect(campaign) if t.kind != "template")
    for phrase in ("暂不放行", "do not let them in", "截图", "screenshot", "照片", "姓名", "当天日期",
                   "today's date", "仅用于疫情防控", "used only for epidemic"):
        assert phrase not in everything, phrase
    # FAQ 27's flat "需要。/ Yes.": people without a code go "the original way".
    assert not re.search(r"^(?:需要。|Yes\.)", everything, re.M)


# --- facts ----------------------------------------------------------------------------------------

def test_unknown_fact_in_an_answer_names_file_and_line(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/help.md", "{{ hotline }}", "{{ hotlne }}")
    problems = problems_of(mini_campaign)
    assert any(p.startswith("faq/en/help.md line 7: unknown fact {{ hotlne }}") for p in problems), problems


def test_unknown_fact_in_the_site_intro_names_campaign_toml_and_line(mini_campaign: Path) -> None:
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[site.intro]\nzh-CN = "请拨打 {{ hotline }}。"\nen = "Call {{ hotlin }}."\n')
    lines = (mini_campaign / "campaign.toml").read_text(encoding="utf-8").splitlines()
    line = lines.index('en = "Call {{ hotlin }}."') + 1
    assert problems_of(mini_campaign) == [
        f"campaign.toml line {line}: unknown fact {{{{ hotlin }}}}; known: authority, city, hotline, service_host, "
        "title (add it under [facts] in campaign.toml)"]


def test_a_fact_typed_out_is_refused_with_file_and_line(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/zh-CN/green.md", "{{ hotline }}", "12345")
    assert problems_of(mini_campaign) == [
        "faq/zh-CN/green.md line 10: “12345” is the fact {{ hotline }} typed out; write {{ hotline }} so the text "
        "follows campaign.toml"]


def test_unconfirmed_and_unused_facts_are_warnings_and_strict_fails(mini_campaign: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    edit(mini_campaign / "campaign.toml", "confirmed = true\nsource = { document = \"Test hotline list\"",
         "confirmed = false\nsource = { document = \"Ask the city\"")
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[facts.app]\nzh-CN = "测试办"\nen = "Testban"\nsource = { document = "Ask" }\n')
    with caplog.at_level(logging.WARNING, logger="materials"):
        check(mini_campaign)
    warnings = [r.getMessage() for r in caplog.records]
    assert "unconfirmed fact {{ hotline }} (12345): Ask the city, 2020-03-10; have the authority confirm it, then " \
           "set confirmed = true in campaign.toml" in warnings
    assert any(w.startswith("campaign.toml: facts.app is not used by any FAQ, poster, tip or site text")
               for w in warnings)
    with pytest.raises(MaterialsError, match="--strict"):
        check(mini_campaign, strict=True)


def test_confirmed_fact_without_source_is_refused(mini_campaign: Path) -> None:
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[facts.app]\nzh-CN = "测试办"\nen = "Testban"\nconfirmed = true\n')
    with pytest.raises(CampaignError) as info:
        campaign_mod.load(mini_campaign)
    (problem,) = info.value.problems
    assert problem.key == "facts.app" and "confirmed = true needs its source" in problem.message


# --- glossary -------------------------------------------------------------------------------------

def test_glossary_variant_names_file_line_and_preferred_term(glossary_campaign: Path) -> None:
    edit(glossary_campaign / "faq/en/help.md", "the inspection staff", "the inspection personnel")
    edit(glossary_campaign / "faq/zh-CN/help.md", "查验人员", "检查人员")
    assert problems_of(glossary_campaign) == [
        "faq/en/help.md line 7: “inspection personnel”: write “inspection staff”; glossary term “inspection staff”",
        "faq/zh-CN/help.md line 7: “检查人员”: write “查验人员”; glossary term “inspection staff”",
    ]


def test_invented_term_is_refused_with_file_and_line(glossary_campaign: Path) -> None:
    edit(glossary_campaign / "faq/zh-CN/what.md", "颜色含义见", "凭健康证通行。颜色含义见")
    assert problems_of(glossary_campaign) == [
        "faq/zh-CN/what.md line 11: “健康证” is not a term of this campaign (not the health code); glossary term "
        "“words the campaign does not use”"]


def test_first_mention_must_be_the_long_form(glossary_campaign: Path) -> None:
    edit(glossary_campaign / "faq/en/help.md", "Call the", "Open your health code, or call the")
    assert problems_of(glossary_campaign) == [
        "faq/en/help.md line 7: first mention of the health QR code in this text: write “health QR code”, later "
        "ones “health code” (the notice's name)"]


def test_spelling_words_endings_and_case(glossary_campaign: Path) -> None:
    edit(glossary_campaign / "faq/en/what.md", "See [what", "Colors change. See [what")
    (problem,) = problems_of(glossary_campaign)
    assert problem.startswith("faq/en/what.md line 12: “Colors”: write “colour”")


def test_allowed_words_and_link_targets_are_not_variants(glossary_campaign: Path) -> None:
    edit(glossary_campaign / "faq/zh-CN/what.md", "颜色含义见", "在火车站、公路客运站出示。颜色含义见")
    edit(glossary_campaign / "faq/en/what.md", "(faq:green)", "(faq:green)")  # a link target never matches
    campaign_mod.load(glossary_campaign)
    edit(glossary_campaign / "faq/zh-CN/what.md", "公路客运站出示", "汽车站出示")
    (problem,) = problems_of(glossary_campaign)
    assert problem.startswith("faq/zh-CN/what.md line 11: “车站”: write “火车站”")


def test_glossary_checks_posters_tips_and_site_texts(glossary_campaign: Path) -> None:
    (glossary_campaign / "posters").mkdir()
    (glossary_campaign / "posters/p.md").write_text(
        "---\nid: p\n---\n::: zh-CN\n# 请出示健康码\n\n请配合检查人员。\n\n::: en\n# Show your health QR code\n\n"
        "Inspectors check it.\n", encoding="utf-8")
    edit(glossary_campaign / "campaign.toml", 'en = "About the code"', 'en = "About the inspectors"')
    with (glossary_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[site.intro]\nzh-CN = "健康二维码。"\nen = "The health QR code."\n')
    lines = (glossary_campaign / "campaign.toml").read_text(encoding="utf-8").splitlines()
    intro = lines.index('zh-CN = "健康二维码。"') + 1
    category = next(i for i, t in enumerate(lines, 1) if "About the inspectors" in t)
    problems = problems_of(glossary_campaign)
    assert [p.split(":")[0] for p in problems] == [f"campaign.toml line {category}", f"campaign.toml line {intro}",
                                                   "posters/p.md line 7", "posters/p.md line 12"]


def test_a_broken_glossary_names_the_file(glossary_campaign: Path) -> None:
    (glossary_campaign / "glossary.toml").write_text('[[terms]]\nconcept = "x"\nfr = { preferred = "y" }\n',
                                                     encoding="utf-8")
    assert problems_of(glossary_campaign) == ["glossary.toml: terms[0].fr (x): not a campaign language"]
    edit(glossary_campaign / "campaign.toml", 'glossary = "glossary.toml"', 'glossary = "missing.toml"')
    assert problems_of(glossary_campaign) == [
        "campaign.toml: glossary: missing.toml does not exist; create it or remove the setting"]


def test_a_fact_in_a_question_is_refused(mini_campaign: Path) -> None:
    edit(mini_campaign / "faq/en/what.md", "What is the health code?", "What is the health code in {{ city }}?")
    assert problems_of(mini_campaign) == [
        "faq/en/what.md line 5: question: facts are not filled in a question (lists, page titles and search show it "
        "as written): write it without {{ … }}"]


def test_hostile_glossary_files_are_problems_not_tracebacks(glossary_campaign: Path) -> None:
    path = glossary_campaign / "glossary.toml"
    path.write_bytes(GLOSSARY.encode("gb18030"))
    (problem,) = problems_of(glossary_campaign)
    assert problem.startswith("glossary.toml line ") and "not valid UTF-8" in problem
    path.write_text(GLOSSARY.replace("健康二维码", "健康\u202e二维码"), encoding="utf-8")
    (problem,) = problems_of(glossary_campaign)
    assert "invisible control character" in problem and problem.startswith("glossary.toml line 5")
    path.write_text("x" * (300 * 1024), encoding="utf-8")
    (problem,) = problems_of(glossary_campaign)
    assert problem.startswith("glossary.toml: file is 307,200 bytes; the limit is 262,144")
    path.write_text("[[terms]\n", encoding="utf-8")
    (problem,) = problems_of(glossary_campaign)
    assert problem.startswith("glossary.toml: TOML syntax error")


def test_glossary_checks_interface_strings_and_venue_templates(glossary_campaign: Path) -> None:
    from materials.templating import BUILTIN

    shutil.copytree(BUILTIN, glossary_campaign / "templates")
    edit(glossary_campaign / "templates/web/strings.toml", 'search_placeholder = "例如：绿码"',
         'search_placeholder = "例如：健康证"')
    # The venue posters' words are their strings file (templates/venues/strings.toml), read like the site's.
    edit(glossary_campaign / "templates/venues/strings.toml", '"Scan to check in"', '"Inspectors: scan to check in"')
    strings = (glossary_campaign / "templates/web/strings.toml").read_text(encoding="utf-8").splitlines()
    labels = (glossary_campaign / "templates/venues/strings.toml").read_text(encoding="utf-8").splitlines()
    label_line = next(i for i, t in enumerate(labels, 1) if "Inspectors" in t)
    string_line = next(i for i, t in enumerate(strings, 1) if "健康证" in t)
    problems = problems_of(glossary_campaign)
    assert f"templates/venues/strings.toml line {label_line}: “Inspectors”: write “inspection staff”; glossary term " \
           "“inspection staff”" in problems
    assert any(p.startswith(f"templates/web/strings.toml line {string_line}: “健康证” is not a term")
               for p in problems), problems
