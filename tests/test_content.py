"""Content a city can publish: sourced facts, one vocabulary, 40 questions.

Each check is tested by planting the mistake it exists for (an unknown fact, a fact typed out, a
glossary variant, an invented term) in a copy of a fixture campaign and reading the message: it must
name the file and the line.
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_campaign import edit

from materials import campaign as campaign_mod
from materials import content, notice
from materials.build import check
from materials.errors import CampaignError, MaterialsError


def problems_of(root: Path) -> list[str]:
    """The problems of loading the campaign, else of its content rules (which `load` does not run)."""
    try:
        campaign = campaign_mod.load(root)
    except CampaignError as e:
        return [str(p) for p in e.problems]
    with pytest.raises(CampaignError) as info:
        content.require(campaign)
    return [str(p) for p in info.value.problems]

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
        assert content.check(campaign) == []
    assert not caplog.records, "loading and checking log nothing: the commands that use facts report them"
    warnings = campaign.fact_notes
    assert warnings and all(w.startswith("unconfirmed fact {{ ") for w in warnings), warnings
    unconfirmed = {re.match(r"unconfirmed fact \{\{ (\w+) \}\}", w).group(1) for w in warnings}  # type: ignore[union-attr]
    facts = campaign.settings.facts
    assert unconfirmed == {name for name, fact in facts.items() if not fact.confirmed}
    # Only what the notice's English text itself says is confirmed; its date waits for the official Chinese text.
    assert {name for name, fact in facts.items() if fact.confirmed} == {"city", "notice_publisher"}
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
    # Screenshots are asked about (issue 20) and answered only by the fact {{ screenshots }}.
    for phrase in ("暂不放行", "do not let them in", "照片", "姓名", "当天日期",
                   "today's date", "仅用于疫情防控", "used only for epidemic", "提交后，系统生成健康码",
                   "按健康码页面的提示办理", "follow the instructions on their code page", "输入场所编号",
                   "怎样培训查验人员", "宣传组", "publicity team"):
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


def test_glossary_finds_each_variant_on_its_line_and_spares_allowed_words(glossary_campaign: Path) -> None:
    """A variant inside an allowed word is no variant on that line, and still one on another line of the
    same text; the first and the last line of a text are read like the others."""
    edit(glossary_campaign / "faq/zh-CN/help.md", "，或向查验人员求助。",
         "，或向查验人员求助。\n在公路客运站候车。\n车站也有查验人员。\n请到车站")
    assert problems_of(glossary_campaign) == [
        "faq/zh-CN/help.md line 9: “车站”: write “火车站”; glossary term “key places”",
        "faq/zh-CN/help.md line 10: “车站”: write “火车站”; glossary term “key places”",
    ]


def test_glossary_and_fact_checks_read_faq_tags(glossary_campaign: Path) -> None:
    """Tags are published on the question's page and indexed by the search: a variant or a colour name in
    them is refused with the tags line, like one in the answer (review of issue 20)."""
    edit(glossary_campaign / "faq/en/green.md", "tags: [green code, getting around]",
         "tags: [green code, inspection personnel]")
    assert problems_of(glossary_campaign) == [
        "faq/en/green.md line 6: “inspection personnel”: write “inspection staff”; glossary term “inspection staff”",
    ]
    edit(glossary_campaign / "faq/en/green.md", "inspection personnel", "red code")
    problems = problems_of(glossary_campaign)
    assert len(problems) == 1 and problems[0].startswith("faq/en/green.md line 6: “red") and \
        "are local facts" in problems[0], problems


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
    assert problem.startswith("glossary.toml line 1: TOML syntax error at column ")


def test_glossary_checks_interface_strings_and_venue_templates(glossary_campaign: Path) -> None:
    from materials.templating import BUILTIN

    shutil.copytree(BUILTIN, glossary_campaign / "templates")
    edit(glossary_campaign / "templates/web/strings.toml", 'search_placeholder = "例如：绿码"',
         'search_placeholder = "例如：健康证"')
    # The venue posters' words are their strings file (templates/venues/strings.toml), read like the site's.
    edit(glossary_campaign / "templates/venues/strings.toml", '"Scan to apply for a health QR code"',
         '"Inspectors: scan to apply"')
    strings = (glossary_campaign / "templates/web/strings.toml").read_text(encoding="utf-8").splitlines()
    labels = (glossary_campaign / "templates/venues/strings.toml").read_text(encoding="utf-8").splitlines()
    label_line = next(i for i, t in enumerate(labels, 1) if "Inspectors" in t)
    string_line = next(i for i, t in enumerate(strings, 1) if "健康证" in t)
    problems = problems_of(glossary_campaign)
    assert f"templates/venues/strings.toml line {label_line}: “Inspectors”: write “inspection staff”; glossary term " \
           "“inspection staff”" in problems
    assert any(p.startswith(f"templates/web/strings.toml line {string_line}: “健康证” is not a term")
               for p in problems), problems


# --- the notice as the source (issue 20) ----------------------------------------------------------

NOTICE_ZH = """---
title: 关于进一步做好“健康码”应用推广工作的通知
date: 2020-03-10
reprint: true
checked: false
source: {document: 转载, date: 2020-03-11}
---
一是要积极推广应用“健康码”，实现一“码”走津门，持“绿码”全市通行。暂停使用纸质或其他出行证明。
"""
NOTICE_EN = """---
title: Notice on Further Promoting the Application of the “Health QR Code”
date: 2020-03-10
source: {document: Foreign Affairs Office, date: 2020-08-24}
---
First, “green code” holders get green light across the city. Suspend the use of documents for getting around in
written or other forms.
"""


def _with_notice(root: Path) -> Path:
    (root / "notice").mkdir()
    (root / "notice" / "zh-CN.md").write_text(NOTICE_ZH, encoding="utf-8")
    (root / "notice" / "en.md").write_text(NOTICE_EN, encoding="utf-8")
    return root


def test_a_verbatim_quotation_of_the_notice_passes_in_each_language(mini_campaign: Path) -> None:
    _with_notice(mini_campaign)
    edit(mini_campaign / "faq/zh-CN/green.md", "如有疑问",
         "> 通知第一条：“持“绿码”全市通行。暂停使用纸质或其他出行证明。”\n\n如有疑问")
    edit(mini_campaign / "faq/en/green.md", "Questions?",
         "> The notice: ““green code” holders get green light across the city. Suspend the use of documents "
         "for getting around in written or other forms.”\n\nQuestions?")
    campaign_mod.load(mini_campaign)  # passes


def test_a_quotation_may_nest_the_notices_marks_as_single_quotes(mini_campaign: Path) -> None:
    """GB/T 15834: quotation marks inside a quotation are ‘’; the notice's inner “” match them, nothing else."""
    _with_notice(mini_campaign)
    edit(mini_campaign / "faq/zh-CN/green.md", "如有疑问",
         "> 通知第一条：“持‘绿码’全市通行。暂停使用纸质或其他出行证明。”\n\n如有疑问")
    campaign_mod.load(mini_campaign)  # passes
    edit(mini_campaign / "faq/zh-CN/green.md", "持‘绿码’全市通行", "持‘绿码’全市畅行")
    problems = problems_of(mini_campaign)
    assert len(problems) == 1 and "is not the notice's words" in problems[0], problems


def test_a_back_translated_quotation_is_refused_with_file_and_line(mini_campaign: Path) -> None:
    _with_notice(mini_campaign)
    edit(mini_campaign / "faq/zh-CN/green.md", "如有疑问",
         "> 通知第一条规定：“暂停使用纸质或其他形式的通行证。”\n\n如有疑问")
    edit(mini_campaign / "faq/en/green.md", "Questions?", "> The notice: green code holders pass.\n\nQuestions?")
    problems = problems_of(mini_campaign)
    assert sorted(problems) == [
        "faq/en/green.md line 11: a blockquote quotes the notice: put the notice's words between “ and ” (an "
        "attribution such as 通知第一条： may come first)",
        "faq/zh-CN/green.md line 10: “暂停使用纸质或其他形式的通行证。” is not the notice's words in notice/zh-CN.md: "
        "quote it verbatim, or write it as the campaign's own sentence without a blockquote"], problems


def test_a_quotation_without_the_notice_in_its_language_is_refused(mini_campaign: Path) -> None:
    _with_notice(mini_campaign)
    (mini_campaign / "notice" / "en.md").unlink()
    edit(mini_campaign / "faq/en/green.md", "Questions?", "> The notice: “green light”\n\nQuestions?")
    assert problems_of(mini_campaign) == [
        "faq/en/green.md line 11: quotes the notice, but notice/en.md is missing: add the notice's text in this "
        "language to check it"]


def test_the_shipped_notice_is_a_reprint_to_check_and_a_blocker(shipped_root: Path) -> None:
    from materials import notice

    campaign = campaign_mod.load(shipped_root)
    found = notice.load(campaign)
    assert set(found.by_lang) == {"zh-CN", "en"}
    zh = found.by_lang["zh-CN"]
    assert zh.reprint and not zh.checked and zh.meta["number"] == "津新冠防指〔2020〕136号"
    assert zh.contains("暂停使用纸质或其他出行证明。出入医疗卫生机构人员以及无码人员按原有方式通行。")
    assert any("not yet checked" in b for b in found.blockers())
    en = (shipped_root / "notice" / "en.md").read_text(encoding="utf-8")
    seed = Path("/work/shared/seed-notice.md")
    if seed.is_file():  # the English text is the seed's, verbatim
        quoted = [line[2:] for line in seed.read_text(encoding="utf-8").split("\n") if line.startswith("> ")]
        assert all(line in en for line in quoted)


@pytest.mark.parametrize(("file", "before", "after", "word"), [
    ("faq/zh-CN/green.md", "持绿码者在全市通行。", "持绿码者在全市通行，持黄码的不得进入。", "黄码"),
    ("faq/en/green.md", "Questions?", "Red code holders stay at home. Questions?", "Red"),
])
def test_a_colour_name_typed_outside_a_fact_is_refused(mini_campaign: Path, file: str, before: str, after: str,
                                                        word: str) -> None:
    edit(mini_campaign / file, before, after)
    problems = problems_of(mini_campaign)
    assert len(problems) == 1 and problems[0].startswith(f"{file} line ") and f"“{word}”: the colours of the code " \
        "are local facts" in problems[0], problems


def test_a_colour_written_as_a_fact_passes(mini_campaign: Path) -> None:
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[facts.colour_high]\nzh-CN = "红码"\nen = "red code"\n'
                'source = { document = "To be confirmed" }\n')
    edit(mini_campaign / "faq/en/green.md", "Questions?", "With a {{ colour_high }}, stay at home. Questions?")
    edit(mini_campaign / "faq/zh-CN/green.md", "如有疑问", "持{{ colour_high }}的，请居家。如有疑问")
    campaign_mod.load(mini_campaign)  # passes


def test_a_colour_name_in_keywords_or_search_settings_is_refused_and_a_fact_there_passes(mini_campaign: Path) -> None:
    """Review 20c: 橙码/红码 and "turned red" sat in keywords and search synonyms, where the check did not look."""
    edit(mini_campaign / "faq/zh-CN/green.md", "tags: [绿码, 通行]", "tags: [绿码, 通行]\nkeywords: [红码怎么办, 绿码]")
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as f:
        f.write('\n[search]\nsynonyms = [["turned red", "变色"]]\n')
    problems = problems_of(mini_campaign)
    assert any(p.startswith("faq/zh-CN/green.md") and "“红码” in “红码怎么办”" in p for p in problems), problems
    assert any("search.synonyms[0]" in p and "“red” in “turned red”" in p for p in problems), problems
    edit(mini_campaign / "faq/zh-CN/green.md", "keywords: [红码怎么办, 绿码]",
         "keywords: [\"{{ colour_high }}\", 绿码]")
    text = (mini_campaign / "campaign.toml").read_text(encoding="utf-8")
    text = text.replace('synonyms = [["turned red", "变色"]]', 'synonyms = [["{{ colour_high }}"]]')
    text += ('\n[facts.colour_high]\nzh-CN = "红码"\nen = "red code"\nsource = { document = "To be confirmed" }\n')
    (mini_campaign / "campaign.toml").write_text(text, encoding="utf-8")
    campaign_mod.load(mini_campaign)  # passes


def test_a_colour_name_in_a_questions_id_or_old_ids_is_refused(mini_campaign: Path) -> None:
    """Reading 4: FAQ 18 redirected from /faq/red-code/ and /faq/yellow-code/, publishing colour names (one the
    city never uses) as addresses the check did not read."""
    assert content.check(campaign_mod.load(mini_campaign)) == []
    edit(mini_campaign / "faq/zh-CN/green.md", "tags: [绿码, 通行]", "tags: [绿码, 通行]\nredirect_from: [yellow-code]")
    problems = problems_of(mini_campaign)
    assert any(p.startswith("faq/zh-CN/green.md") and "redirect_from" in p and "“yellow” in the address "
               "“yellow-code”" in p for p in problems), problems
    for lang in ("en", "zh-CN"):  # the id too, links to it followed
        edit(mini_campaign / f"faq/{lang}/green.md", "id: green", "id: red-code")
        edit(mini_campaign / f"faq/{lang}/what.md", "faq:green", "faq:red-code")
    assert any(p.startswith("faq/en/green.md") and " id: " in p and "“red” in the address" in p
               for p in problems_of(mini_campaign))
    for lang in ("en", "zh-CN"):
        edit(mini_campaign / f"faq/{lang}/green.md", "id: red-code", "id: green")
        edit(mini_campaign / f"faq/{lang}/what.md", "faq:red-code", "faq:green")
    edit(mini_campaign / "faq/zh-CN/green.md", "redirect_from: [yellow-code]", "redirect_from: [colour-code]")
    assert content.check(campaign_mod.load(mini_campaign)) == []  # a neutral old id passes


# --- materials facts --------------------------------------------------------------------------------

def test_facts_lists_and_confirm_records_a_correction_keeping_the_files_comments(mini_campaign: Path) -> None:
    from click.testing import CliRunner

    from materials.cli import cli

    toml = mini_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'confirmed = true\nsource = { document = "Test hotline list", date = 2020-03-10 }',
        '# the hotline office answers\nconfirmed = false\nsource = { document = "Ask the hotline office" }'),
        encoding="utf-8")
    before = toml.read_text(encoding="utf-8")
    runner = CliRunner()
    listed = runner.invoke(cli, ["facts", "--campaign", str(mini_campaign)])
    assert listed.exit_code == 0 and "UNCONFIRMED hotline: 12345 / 12345" in listed.output
    assert "2 facts, 1 unconfirmed" in listed.output
    result = runner.invoke(cli, ["facts", "--campaign", str(mini_campaign), "confirm", "hotline", "--source",
                                 "Hotline list of the city government", "--date", "2020-03-12",
                                 "--text", "en=12345 (press 1)"])
    assert result.exit_code == 0, result.output
    after = toml.read_text(encoding="utf-8")
    assert "# the hotline office answers" in after and after.startswith(before.split("\n", 1)[0])
    fact = campaign_mod.load(mini_campaign).settings.facts["hotline"]
    assert fact.confirmed and fact.text["en"] == "12345 (press 1)" and fact.text["zh-CN"] == "12345"
    assert fact.source is not None and fact.source.date is not None and fact.source.date.isoformat() == "2020-03-12"
    # Only the fact's lines changed.
    changed = [line for line in after.split("\n") if line not in before.split("\n")]
    assert changed == ['en = "12345 (press 1)"',
                       'source = { document = "Hotline list of the city government", date = 2020-03-12 }']
    assert after.count("confirmed = true") == before.count("confirmed = true") + 1
    assert len(after.split("\n")) == len(before.split("\n"))
    bad = runner.invoke(cli, ["facts", "--campaign", str(mini_campaign), "confirm", "hotline", "--source", "x",
                              "--date", "2020-03-12", "--link", "ftp://x"])
    assert bad.exit_code == 1 and "must start with https://" in bad.output
    assert toml.read_text(encoding="utf-8") == after  # a refused value leaves the file as it was


#: Red team 11, #7: lines of a multi-line string that read like the fact's table, before the real one.
DECOY = ('[site.intro]\nzh-CN = "介绍"\nen = """Intro\n[facts.hotline]\nzh-CN = "假"\nen = "fake"\n'
         'confirmed = false\nsource = { document = "y" }\n"""\n\n')


def _confirm_hotline(campaign: Path, *more: str) -> Any:
    from click.testing import CliRunner

    from materials.cli import cli

    return CliRunner().invoke(cli, ["facts", "--campaign", str(campaign), "confirm", "hotline", "--source",
                                    "Hotline list of the city government", "--date", "2020-03-12", *more])


def test_facts_confirm_edits_the_facts_own_table_not_lines_inside_a_string(mini_campaign: Path) -> None:
    """Red team 11, #7: `facts confirm` rewrote lines inside [site.intro]'s multi-line string that read like
    [facts.hotline], said "confirmed" and exited 0, and the fact stayed unconfirmed. The table is found by
    reading the file as TOML reads it: lines inside a multi-line string or array are never a table or a key."""
    import tomllib

    toml = mini_campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'confirmed = true\nsource = { document = "Test hotline list", date = 2020-03-10 }',
        'confirmed = false\nsource = { document = "Ask the hotline office", decide_with = [\n  "city",\n] }')
    toml.write_text(text.replace("[facts.city]", DECOY + "[facts.city]"), encoding="utf-8")
    before = tomllib.loads(toml.read_text(encoding="utf-8"))
    result = _confirm_hotline(mini_campaign, "--text", "en=12345 (press 1)")
    assert result.exit_code == 0, result.output
    after = tomllib.loads(toml.read_text(encoding="utf-8"))
    assert after["site"] == before["site"]  # the decoy's words as they were
    assert after["facts"]["hotline"] == {"zh-CN": "12345", "en": "12345 (press 1)", "confirmed": True, "source": {
        "document": "Hotline list of the city government", "date": date(2020, 3, 12)}}
    assert {k: v for k, v in after.items() if k != "facts"} == {k: v for k, v in before.items() if k != "facts"}
    assert campaign_mod.load(mini_campaign).settings.facts["hotline"].confirmed


def test_facts_confirm_replaces_a_multi_line_value_whole(mini_campaign: Path) -> None:
    """A fact's words written over several lines (a multi-line string whose line ends are escaped): a correction
    replaces the whole value, and a line inside one that reads like a key (`confirmed = false`) is words."""
    import tomllib

    toml = mini_campaign / "campaign.toml"
    edit(toml, '[facts.hotline]\nzh-CN = "12345"\nen = "12345"\nconfirmed = true',
         '[facts.hotline]\nzh-CN = """12345 \\\nconfirmed = false"""\nen = """\\\n  12345 \\\n'
         'source = { document = "x" }"""\nconfirmed = false')
    assert tomllib.loads(toml.read_text(encoding="utf-8"))["facts"]["hotline"]["zh-CN"] == "12345 confirmed = false"
    result = _confirm_hotline(mini_campaign, "--text", "en=12345 (press 1)")
    assert result.exit_code == 0, result.output
    fact = tomllib.loads(toml.read_text(encoding="utf-8"))["facts"]["hotline"]
    assert fact["zh-CN"] == "12345 confirmed = false" and fact["en"] == "12345 (press 1)"
    assert fact["confirmed"] is True and fact["source"]["document"] == "Hotline list of the city government"


def test_facts_confirm_refuses_an_edit_that_would_change_anything_else(mini_campaign: Path) -> None:
    """The last guard of `facts confirm`: the edited file, read again, must confirm exactly that fact with the
    values given and hold everything else as it was; otherwise nothing is written and the command fails."""
    from materials import facts
    from materials.errors import MaterialsError

    text = (mini_campaign / "campaign.toml").read_text(encoding="utf-8")
    wanted = {"zh-CN": "12345", "en": "12345", "confirmed": True,
              "source": {"document": "Test hotline list", "date": date(2020, 3, 10)}}
    facts.check_confirmed(text, text, "campaign.toml", "hotline", wanted)  # what is there: accepted
    for changed in (text.replace('en = "Test City"', 'en = "Other City"'),  # another fact
                    text.replace("confirmed = true\nsource = { document = \"Test hotline",
                                 "confirmed = false\nsource = { document = \"Test hotline"),  # not confirmed
                    text.replace("[service]", '[site]\nintro = { en = "x" }\n\n[service]'),  # a table more
                    text.replace("[facts.hotline]", "[facts.hotline\n")):  # not TOML
        with pytest.raises(MaterialsError, match=r"campaign.toml: editing \[facts.hotline\] would not confirm "
                                                 r"exactly that fact"):
            facts.check_confirmed(text, changed, "campaign.toml", "hotline", wanted)


def test_the_printed_issue_date_is_the_notices(mini_campaign: Path) -> None:
    _with_notice(mini_campaign)
    edit(mini_campaign / "campaign.toml", "issued = 2020-03-10", "issued = 2020-03-11")
    problems = problems_of(mini_campaign)
    assert len(problems) == 2 and all(p.startswith("campaign.toml: issued: 2020-03-11 is printed on every material "
                                                   "as the notice's date, but notice/") for p in problems), problems



def test_the_printed_authority_and_date_are_the_notices_facts(mini_campaign: Path) -> None:
    """[authority], [authority_short] and `issued` print the facts notice_issuer, authority_short and
    notice_date: one value each, so a difference is an error naming the setting and the fact."""
    facts = ('[facts.notice_issuer]\nzh-CN = "测试市疫情防控指挥部"\n'
             'en = "Test City Headquarters of Epidemic Prevention and Control"\n'
             'source = { document = "Test notice", date = 2020-03-10 }\n\n'
             '[facts.authority_short]\nzh-CN = "测试市指挥部"\nen = "Test City Headquarters"\n'
             'source = { document = "Test notice" }\n\n'
             '[facts.notice_date]\nzh-CN = "2020年3月10日"\nen = "10 March 2020"\n'
             'source = { document = "Test notice", date = 2020-03-10 }'
             '\n\n[[faq_categories]]')
    edit(mini_campaign / "campaign.toml", "[[faq_categories]]", facts)
    edit(mini_campaign / "campaign.toml", "[service]",
         '[authority_short]\nzh-CN = "测试市指挥部"\nen = "Test City Headquarters"\n\n[service]')
    assert not notice.check_settings(campaign_mod.load(mini_campaign))
    edit(mini_campaign / "campaign.toml", 'zh-CN = "测试市疫情防控指挥部"', 'zh-CN = "测试市防控指挥部"')
    edit(mini_campaign / "campaign.toml", '[authority_short]\nzh-CN = "测试市指挥部"',
         '[authority_short]\nzh-CN = "测试指挥部"')
    edit(mini_campaign / "campaign.toml", "issued = 2020-03-10", "issued = 2020-03-11")
    problems = [str(p) for p in notice.check_settings(campaign_mod.load(mini_campaign))]
    assert problems == [
        "campaign.toml: authority.zh-CN: “测试市防控指挥部” is printed on the materials as the authority, but the fact "
        "notice_issuer says “测试市疫情防控指挥部”: make them the same name (correct the one that is wrong)",
        "campaign.toml: authority_short.zh-CN: “测试指挥部” is printed on the materials as the authority, but the fact "
        "authority_short says “测试市指挥部”: make them the same name (correct the one that is wrong)",
        "campaign.toml: issued: 2020-03-11 is printed on every material as the notice's date, but the fact "
        "notice_date is dated 2020-03-10: make them agree"], problems


def test_the_districts_and_the_billboard_size_are_sourced_facts(mini_campaign: Path) -> None:
    """Fresh reading 3: the district names and the billboard's size are local facts; the facts districts and
    billboard_size hold them with a source and status, and check refuses a setting that says otherwise."""
    facts = ('[facts.districts]\nzh-CN = "和平区、滨海新区"\nen = "Heping District, Binhai New Area"\n'
             'source = { document = "Test list of districts" }\n\n'
             '[facts.billboard_size]\nzh-CN = "2400毫米×1200毫米"\nen = "2400 mm × 1200 mm"\n'
             'source = { document = "Test billboard owner" }\n\n[[faq_categories]]')
    edit(mini_campaign / "campaign.toml", "[[faq_categories]]", facts)
    assert not notice.check_settings(campaign_mod.load(mini_campaign))
    edit(mini_campaign / "campaign.toml", 'en = "Heping District, Binhai New Area"', 'en = "Binhai New Area"')
    edit(mini_campaign / "campaign.toml", 'en = "2400 mm × 1200 mm"', 'en = "2400 mm × 1000 mm"')
    problems = [str(p) for p in notice.check_settings(campaign_mod.load(mini_campaign))]
    assert problems == [
        "campaign.toml: facts.districts.en: the fact districts says “Binhai New Area”, but [[districts]] lists "
        "“Heping District, Binhai New Area”: make them the same names in the same order (correct the one that "
        "is wrong)",
        "campaign.toml: facts.billboard_size.en: the fact billboard_size says “2400 mm × 1000 mm”, but "
        "[print.sizes.billboard] is 2400 × 1200 mm: make them the same size (correct the one that is wrong)"], problems


def test_the_shipped_districts_and_billboard_are_facts_awaiting_confirmation(shipped_root: Path) -> None:
    campaign = campaign_mod.load(shipped_root)
    facts = campaign.settings.facts
    assert not facts["districts"].confirmed and not facts["billboard_size"].confirmed
    assert all(not d.source for d in campaign.settings.districts)  # the fact holds the source, once
    assert not notice.check_settings(campaign)


@pytest.mark.parametrize(("line", "fragment"), [
    ("[old](http://tj.gov.cn/x)", "insecure link 'http://tj.gov.cn/x'"),
    ("[old](//tj.gov.cn/x)", "insecure link '//tj.gov.cn/x'"),
    ("[x](java\tscript:alert(1))", "is a javascript: link"),
    ("[x](JaVa\nScRiPt:alert(1))", "is a javascript: link"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "is a javascript: link"),
    ('<a href="&#106;avascript:alert(1)">x</a>', "is a javascript: link"),
    ("[x](data:text/html,hi)", "is a data: link"),
    ("[x](vbscript:msgbox)", "is a vbscript: link"),
    ("[x](other-page.html)", "relative link 'other-page.html'"),
    ("[x](#nowhere)", "anchor link '#nowhere'"),
    ("<http://tj.gov.cn>", "insecure link"),
    # Red team 11, #11: the sanitiser dropped every picture without a word
    ("![x](https://tj.gov.cn/x.png)", "picture 'https://tj.gov.cn/x.png' is on the network: pictures must be files "
                                      "of the campaign"),
    ("<img src=https://tj.gov.cn/x.png>", "picture 'https://tj.gov.cn/x.png' is on the network"),
    ("<img alt='' src='//tj.gov.cn/x.png'>", "picture '//tj.gov.cn/x.png' is on the network"),
    ('<picture><source srcset="http://tj.gov.cn/x.webp"></picture>', "a picture (<picture>) would be left out"),
    ("![x](pic.png)", "picture 'pic.png' (<img>) would be left out without a word: texts show no pictures"),
    ("<svg><circle r='1'/></svg>", "a picture (<svg>) would be left out without a word"),
])
def test_check_refuses_at_the_source_every_link_the_site_refuses(line: str, fragment: str) -> None:
    """`check` finds in the Markdown source (file and line) what the built site's link check refuses."""
    from materials import markdown

    source = "A first line.\n\n" + line + "\n"
    problems = markdown.source_problems(source, "faq/en/x.md", first_line=7)
    assert any(fragment in p.message and p.file == "faq/en/x.md" and p.line == 9 for p in problems), problems


@pytest.mark.parametrize("line", ["[a](https://tj.gov.cn/x)", "[a](service:)", "[a](faq:green)",
                                  "[a](mailto:hc@tj.gov.cn)", "[a](tel:12345)", "<https://tj.gov.cn>"])
def test_links_content_may_use_pass(line: str) -> None:
    from materials import markdown

    assert markdown.source_problems(line, "faq/en/x.md") == []


def test_booklet_numbers_its_questions_in_the_order_it_prints_them(shipped_root: Path) -> None:
    """Reading 4: the booklet's contents read 1, 3, 4, 5, 7 / 2, 8… because chapters kept the files' numbers."""
    from materials.printing.booklet import chapters, numbers

    campaign = campaign_mod.load(shipped_root)
    for lang in campaign.languages:
        printed = [faq.id for _, items in chapters(campaign, lang) for faq, _html in items]
        numbered = numbers(campaign, lang)
        assert [numbered[faq_id] for faq_id in printed] == list(range(1, len(printed) + 1))
        assert len(printed) == len(campaign.faqs[lang])


def test_booklet_cross_references_name_the_question_number(shipped_root: Path) -> None:
    """Review 20c: the printed booklet said "见有了健康码，还要测体温吗。" with no number to find it by."""
    from materials.printing.booklet import chapters, numbers

    campaign = campaign_mod.load(shipped_root)
    zh = "".join(html for _, items in chapters(campaign, "zh-CN") for _, html in items)
    en = "".join(html for _, items in chapters(campaign, "en") for _, html in items)
    link = '<a href="#faq-official-channels" rel="noopener noreferrer">'
    n = numbers(campaign, "zh-CN")["official-channels"]
    assert n == numbers(campaign, "en")["official-channels"]
    assert f"官方渠道见{link}第 {n} 问“哪些是发布健康码信息的官方渠道”</a>" in zh
    assert f"see {link}question {n}, “which channels are official”</a>" in en
    labels = re.findall(r'<a href="#faq-[^"]*"[^>]*>(.*?)</a>', zh + en)
    assert labels and all(re.search(r"第 \d+ 问|question \d+", label) for label in labels)  # every one numbered


@pytest.mark.parametrize(("written", "fact"), [
    ('[facts.hotline]\nzh-CN = "12345"\nen = "12345"\nconfirmed = false\nsource.document = "Test hotline list"\n',
     "hotline"),
    ('[facts.hotline]\nzh-CN = "12345"\nen = "12345"\nconfirmed = false\n\n[facts.hotline.source]\n'
     'document = "Test hotline list"\n', "hotline"),
    ('[facts]\nhotline = { zh-CN = "12345", en = "12345", confirmed = false, source = { document = "Test" } }\n',
     "hotline"),
])
def test_facts_confirm_refuses_a_fact_in_a_form_it_cannot_edit(mini_campaign: Path, written: str, fact: str) -> None:
    """Red team (#17): dotted keys got a TOML syntax error quoting a line the tool wrote, an inline table got
    "no fact [facts.hotline]"; both are refused up front saying how to write the fact."""
    from click.testing import CliRunner

    from materials.cli import cli

    toml = mini_campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    old = ('[facts.hotline]\nzh-CN = "12345"\nen = "12345"\nconfirmed = true\n'
           'source = { document = "Test hotline list", date = 2020-03-10 }\n')
    assert old in text
    text = text.replace(old, "")
    toml.write_text(text + "\n" + written if written.startswith("[facts]") else text.replace(
        "[facts.city]", written + "\n[facts.city]"), encoding="utf-8")
    before = toml.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["facts", "--campaign", str(mini_campaign), "confirm", fact, "--source",
                                      "Hotline list", "--date", "2020-03-12"])
    assert result.exit_code == 1, result.output
    assert "is written in a form `materials facts confirm` cannot edit" in result.output, result.output
    assert "syntax error" not in result.output and toml.read_text(encoding="utf-8") == before
