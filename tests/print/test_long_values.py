"""Issue 19: layouts that hold a real city's values. The shipped campaign with a real service address and
site address, a 30-character authority, a four-character city and a long app name lays out every screen,
cover, card and sign (the print target's validation fits every page); a name that cannot fit is reported
with the element that overflows and its value, not as the poster's fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from materials import printing
from materials.campaign import load
from materials.printing.typeset import display

ROOT = Path(__file__).resolve().parents[2]
#: Real values at the lengths a city really has (the notice's authority in full is 20-30 characters).
LONG = {
    'url = "https://declare.health-code.example/apply"': 'url = "https://jkm.tj.gov.cn/apply"',
    'base_url = "https://health-code.tianjin.example/"': 'base_url = "https://jkm.tj.gov.cn/faq/"',
    # The full name and the short one (printed in the bars) both at 30 characters.
    'zh-CN = "天津市新型冠状病毒肺炎疫情防控指挥部"':
        'zh-CN = "天津市新型冠状病毒感染肺炎疫情联防联控工作指挥部办公室宣传组"',
    'zh-CN = "天津市防控指挥部"': 'zh-CN = "天津市新型冠状病毒感染肺炎疫情联防联控工作指挥部办公室宣传组"',
    'en = "Tianjin Municipal Headquarters of Epidemic Prevention and Control"':
        'en = "Publicity Group of the Office of the Tianjin Municipal Joint Prevention and Control Headquarters"',
    'zh-CN = "天津"\nen = "Tianjin"': 'zh-CN = "乌鲁木齐"\nen = "Urumqi"',
    'zh-CN = "“津心办”"\nen = "Jinxinban"':
        'zh-CN = "“天津政务服务津心办”"\nen = "Tianjin Government Services Jinxinban"',
}
#: One size per kind keeps the layout run short; screens, covers and cards keep every kind.
SIZES = {'poster_sizes = ["A4", "A3", "A2", "billboard"]':
         'poster_sizes = ["A4", "billboard"]\ntip_sizes = ["A5"]\nbooklet_sizes = ["A5"]'}


def long_campaign(target: Path, replace: dict[str, str]) -> Path:
    for name in ("campaign.toml", "glossary.toml"):
        shutil.copy(ROOT / name, target / name)
    for folder in ("faq", "posters", "tips"):
        shutil.copytree(ROOT / folder, target / folder)
    toml = target / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in {**replace, **SIZES}.items():
        assert old in text, old
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    return target


@pytest.mark.slow
def test_the_shipped_campaign_holds_a_real_address_a_30_character_authority_and_long_names(tmp_path: Path) -> None:
    campaign = load(long_campaign(tmp_path, LONG))
    assert len(campaign.text(campaign.settings.authority, "zh-CN")) == 30
    assert len(campaign.text(campaign.settings.short_authority, "zh-CN")) == 30
    assert campaign.service_host == "jkm.tj.gov.cn"
    assert printing.validate(campaign) == []


def test_a_name_that_cannot_fit_names_the_element_and_its_value(print_campaign: Path) -> None:
    unbreakable = "TianjinMunicipalJointPreventionAndControlHeadquartersPublicityGroupOffice"
    toml = print_campaign / "campaign.toml"
    old = 'en = "Test City Headquarters of Epidemic Prevention and Control"'
    toml.write_text(toml.read_text(encoding="utf-8").replace(old, f'en = "{unbreakable}"'), encoding="utf-8")
    problems = [str(p) for p in printing.validate(load(print_campaign))]
    assert problems
    for problem in problems:
        assert "the authority in the " in problem and f"('{unbreakable[:40]}" in problem, problem
        assert "[authority]" in problem, problem
        assert "shorten the words" not in problem


def test_long_chinese_names_break_between_their_parts_and_quoted_names_never() -> None:
    html = str(display("天津市新型冠状病毒感染肺炎疫情联防联控工作指挥部办公室宣传组", "zh-CN"))
    assert '<span class="phrase">天津市</span>' in html and '<span class="phrase">办公室</span>' in html
    html = str(display("打开“天津政务服务津心办”，扫码申报。", "zh-CN"))
    assert "天津政务服务津心办”，</span>" in html  # the quoted name whole, its comma with it
    assert str(display("天津市疫情防控指挥部", "zh-CN")) == '<span class="phrase">天津市疫情防控指挥部</span>'
