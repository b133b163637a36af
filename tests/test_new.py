"""`materials new`: what it writes, without building (tests/test_install.py builds one from a wheel)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from materials.campaign import load
from materials.config import reference
from materials.errors import MaterialsError
from materials.new import create
from materials.schema import placeholder_keys
from materials.web.settings import SiteSettings


def test_new_campaign_loads_and_marks_what_a_city_must_set(tmp_path: Path) -> None:
    folder = tmp_path / "mycity"
    create(folder)
    campaign = load(folder)
    assert [len(campaign.faqs[lang]) for lang in ("zh-CN", "en")] == [40, 40]
    keys = placeholder_keys(campaign.settings.model_dump(mode="json"))
    assert {"authority.en", "districts[0].names.en"} <= set(keys)
    facts = campaign.settings.facts
    assert facts and not any(fact.confirmed for fact in facts.values()), "every fact warns until confirmed"
    assert facts["city"].text["en"] == "Anytown" and "天津" not in str(facts["city"].text)
    assert campaign.settings.service_is_placeholder and SiteSettings.of(campaign.settings).is_placeholder
    assert sorted(p.name for p in (folder / "posters").iterdir()) and (folder / "tips" / "staff-guide.md").is_file()
    key = folder / ".materials" / "venue-signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    ignored = (folder / ".gitignore").read_text(encoding="utf-8").split()
    assert {"/output/", "/.materials/", "*.key"} <= set(ignored)


def test_every_setting_is_in_the_new_campaign_toml(tmp_path: Path) -> None:
    create(tmp_path / "c")
    text = (tmp_path / "c" / "campaign.toml").read_text(encoding="utf-8")
    for key, _, doc in reference():
        full = key.strip("[]")
        name = full.split(".")[-1]
        assert f"{name} =" in text or f"[{full}" in text or f"[[{full}]]" in text, f"{key} is missing"
        if key in ("service.channel_parameter", "print.bleed_mm", "venues.demo_key", "site.search"):
            assert doc.split(" (")[0][:30] in " ".join(text.replace("# ", "").split()), key  # with its docstring


def test_a_subset_of_questions_brings_the_ones_they_link_to(tmp_path: Path) -> None:
    create(tmp_path / "c", faq=["what-is-the-health-code", "green-code"])
    campaign = load(tmp_path / "c")  # every faq: link resolves, or loading would fail
    ids = {faq.id for faq in campaign.faqs["en"]}
    assert {"what-is-the-health-code", "green-code", "what-the-original-way-means"} <= ids
    assert len(ids) < 40 and ids == {faq.id for faq in campaign.faqs["zh-CN"]}


def test_the_starter_names_no_city_and_no_date(tmp_path: Path) -> None:
    """What `materials new` writes is any city's: no Tianjin words (来津, 天津, Tianjin) and no Tianjin dates
    in the questions, posters and tips (issue 20); the city is the fact {{ city }}."""
    create(tmp_path / "c")
    for path in sorted((tmp_path / "c").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        for word in ("津", "Tianjin", "updated:", "2020-03-1", "3月1"):
            assert word not in text, (path.relative_to(tmp_path), word)
    categories = (tmp_path / "c" / "campaign.toml").read_text(encoding="utf-8")
    assert "来津" not in categories and "Tianjin" not in categories


def test_new_refuses_a_folder_with_files_and_unknown_questions(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(MaterialsError, match="not empty"):
        create(tmp_path / "taken")
    assert (tmp_path / "taken" / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(MaterialsError, match="no-such-question"):
        create(tmp_path / "fresh", faq=["no-such-question"])
    assert not (tmp_path / "fresh").exists()


def test_optional_top_level_settings_sit_above_the_first_table(tmp_path: Path) -> None:
    """Issue 22: `place_categories` was commented out after the last [[districts]]; uncommented as the starter
    said, it landed inside that table and the message said "check its spelling"."""
    create(tmp_path / "c")
    path = tmp_path / "c" / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    first_table = text.index("\n[")
    for name in ("place_categories", "channels", "language_names"):
        assert -1 < text.index(f"# {name} = ") < first_table, name
    uncommented = text.replace("# place_categories = ", "place_categories = ", 1)
    path.write_text(uncommented, encoding="utf-8")
    assert "community" in load(tmp_path / "c").settings.place_categories, "uncommenting a setting keeps it valid"


def test_a_top_level_key_inside_an_array_of_tables_is_named_with_the_fix(tmp_path: Path) -> None:
    create(tmp_path / "c")
    path = tmp_path / "c" / "campaign.toml"
    lines = path.read_text(encoding="utf-8").splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("[[districts]]"))
    lines.insert(last + 3, 'channels = ["poster"]')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(MaterialsError) as info:
        load(tmp_path / "c")
    assert f"campaign.toml line {last + 4}: channels: this key is inside [[districts]] (line {last + 1}); move it " \
        "above the first [table]" in info.value.message


def test_new_writes_the_citys_answers_and_the_sample_list_on_its_districts(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from materials.cli import cli

    folder = tmp_path / "hangzhou"
    result = CliRunner().invoke(cli, [
        "new", str(folder), "--city", "杭州", "--city-en", "Hangzhou", "--authority", "杭州市疫情防控指挥部",
        "--authority-en", "Hangzhou Headquarters of Epidemic Prevention and Control", "--district",
        "shangcheng=上城区", "--district", "gongshu=拱墅区=Gongshu District", "--service-url",
        "https://declare.hangzhou.gov.cn/apply", "--site-url", "https://faq.hangzhou.gov.cn/"])
    assert result.exit_code == 0, result.output
    campaign = load(folder)
    settings = campaign.settings
    assert [(d.key, d.names["zh-CN"], d.names["en"]) for d in settings.districts] == [
        ("shangcheng", "上城区", "Shangcheng District"), ("gongshu", "拱墅区", "Gongshu District")]
    assert settings.authority == {"zh-CN": "杭州市疫情防控指挥部",
                                  "en": "Hangzhou Headquarters of Epidemic Prevention and Control"}
    assert settings.facts["city"].text == {"zh-CN": "杭州", "en": "Hangzhou"}
    assert not settings.service_is_placeholder and not SiteSettings.of(settings).is_placeholder
    from materials.venues.reading import read_list

    listing = read_list(folder / "venues" / "sample.csv", settings)
    assert listing.problems == [] and {v.district for v in listing.venues} == {"shangcheng", "gongshu"}
    assert all(v.address.startswith(("上城区", "拱墅区")) for v in listing.venues)

    bad = CliRunner().invoke(cli, ["new", str(tmp_path / "bad"), "--service-url", "http://declare.hz.gov.cn/"])
    assert bad.exit_code == 1 and "service.url" in bad.output and not (tmp_path / "bad").exists()
    bad = CliRunner().invoke(cli, ["new", str(tmp_path / "bad"), "--district", "上城 区=x"])
    assert bad.exit_code == 1 and "must be lower-case letters" in bad.output and not (tmp_path / "bad").exists()


def test_a_placeholder_fact_is_never_printed_as_prose(tmp_path: Path) -> None:
    """The starter's notice number is a PLACEHOLDER: texts show a bracketed gap naming the fact, and the
    campaign is a draft because of it (issue 20)."""
    create(tmp_path / "c")
    campaign = load(tmp_path / "c")
    assert campaign.facts("zh-CN")["notice_number"] == "［notice_number 待填写 to be filled in］"
    assert "PLACEHOLDER" not in " ".join(campaign.facts("en").values())
    assert "fact {{ notice_number }} is a placeholder" in campaign.draft_reasons()
    answer = campaign.faq("zh-CN", "what-does-the-notice-say").html("portal")
    assert "PLACEHOLDER" not in answer and "［notice_number 待填写" in answer


def _sticker_text(folder: Path, size: str) -> str:
    """The text of a sticker of a one-venue list in the campaign's first district."""
    import pypdfium2

    from materials.venues.run import Options, run

    out = folder / "output" / "stickers"
    venues = folder / "venues" / "one.csv"
    venues.write_text("id,name,district,category,address\nN-C-001,示例社区,north,community,北区示例路1号\n",
                      encoding="utf-8")
    run(load(folder), venues, out, Options(size=size, jobs=1))
    first = sorted((out / "north").glob("*.pdf"))[0]
    with pypdfium2.PdfDocument(first) as document:
        return " ".join(document[0].get_textpage().get_text_range().split())


def test_new_asks_for_the_authoritys_short_name_and_stickers_print_it(tmp_path: Path) -> None:
    """Issue 22: `materials new` takes the authority's full and short name; the A6 sticker's issuer line, where
    space is tight, prints the short one; without a short name the full name stands for it."""
    from click.testing import CliRunner

    from materials.cli import cli

    full = "示例市新型冠状病毒肺炎疫情防控指挥部"
    folder = tmp_path / "short"
    result = CliRunner().invoke(cli, ["new", str(folder), "--authority", full, "--authority-en",
                                      "Example City Headquarters of Epidemic Prevention and Control",
                                      "--authority-short", "示例市防控指挥部", "--authority-short-en", "Example HQ"])
    assert result.exit_code == 0, result.output
    settings = load(folder).settings
    assert settings.authority["zh-CN"] == full
    assert settings.short_authority == {"zh-CN": "示例市防控指挥部", "en": "Example HQ"}
    text = _sticker_text(folder, "A6")
    assert "示例市防控指挥部" in text and full not in text, text

    plain = tmp_path / "plain"
    assert CliRunner().invoke(cli, ["new", str(plain), "--authority", full]).exit_code == 0
    settings = load(plain).settings
    assert settings.authority_short["zh-CN"] == full, "written out, to be shortened"
    assert settings.short_authority["en"] == settings.authority["en"]
    assert "authority.en" in placeholder_keys(settings.model_dump(mode="json"))


def test_a_short_name_in_a_language_the_campaign_lacks_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    create(folder)
    toml = folder / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[authority_short]\n", "[authority_short]\nfr = \"X\"\n"),
                    encoding="utf-8")
    with pytest.raises(MaterialsError, match="authority_short: fr is not a campaign language"):
        load(folder)


def test_a_new_campaign_carries_no_fact_its_texts_leave_unused(tmp_path: Path) -> None:
    """The shipped campaign names city_short only in its own [search] synonyms (来津, 返津), which a new campaign
    leaves at its defaults: `materials new` leaves such facts out, so the first `check` does not warn of them."""
    from materials import content

    folder = tmp_path / "mycity"
    create(folder)
    campaign = load(folder)
    content.check(campaign)
    assert "city_short" not in campaign.settings.facts
    assert not [note for note in campaign.fact_notes if "is not used by any" in note], campaign.fact_notes


def test_new_never_removes_or_overwrites_a_campaign_reached_through_dotdot(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Red team 6 D4: `materials new nothere/../camp` failed half-way and removed the existing campaign `camp`,
    key included; `new n7/../n1` overwrote n1's campaign.toml. The path is the folder the system reaches."""
    monkeypatch.chdir(tmp_path)
    create(Path("camp"), faq=["green-code"])
    before = {p: p.read_bytes() for p in sorted(Path("camp").rglob("*")) if p.is_file()}
    with pytest.raises(MaterialsError, match="not empty"):
        create(Path("nothere/../camp"), faq=["green-code"])
    assert {p: p.read_bytes() for p in sorted(Path("camp").rglob("*")) if p.is_file()} == before
    assert not Path("nothere").exists()
    Path("n1").mkdir()
    Path("n1/campaign.toml").write_text("mine = 1\n", encoding="utf-8")
    with pytest.raises(MaterialsError, match="not empty"):
        create(Path("n7/../n1"))
    assert Path("n1/campaign.toml").read_text(encoding="utf-8") == "mine = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camp", "n1"]
    create(Path("n8/../fresh"), faq=["green-code"])  # a new folder through .. is written where the system puts it
    assert (tmp_path / "fresh" / "campaign.toml").is_file() and not Path("n8").exists()


def test_a_failing_new_removes_only_what_it_made(tmp_path: Path) -> None:
    """A failure half-way (here a path too long for the system below the folder) removes the files and folders
    `new` made and leaves the empty folder that was there before."""
    room = 4096 - len("/campaign.toml") - 1  # campaign.toml fits, faq/zh-CN/<name>.md does not
    deep = tmp_path
    while len(str(deep)) + 201 < room:
        deep = deep / ("d" * 200)
    deep = deep / ("e" * (room - len(str(deep)) - 1))
    deep.mkdir(parents=True)
    with pytest.raises(MaterialsError, match="cannot write"):
        create(deep)
    assert deep.is_dir() and not any(deep.iterdir())


@pytest.mark.parametrize("inside", ["output/web/newcamp", "output/newcamp", "output", "deploy/newcamp"])
def test_new_refuses_a_folder_inside_an_output_folder(tmp_path: Path, inside: str) -> None:
    """Red team 11 #5: `new c1/output/web/newcamp` wrote a campaign and its signing key into c1's web output, and
    c1's next build deleted it all without a word. Refused like `keys new --out` there: inside the folder a build
    marked, inside a campaign's output/ (marked or not yet), and inside a folder another run marked (--out)."""
    from materials.output import claim

    c1 = tmp_path / "c1"
    create(c1)
    (c1 / "output" / "web").mkdir(parents=True)
    claim(c1 / "output", "materials build", campaign_root=c1)
    (tmp_path / "deploy").mkdir()
    claim(tmp_path / "deploy", "materials venues", "list.csv", campaign_root=c1)
    target = tmp_path / "c1" / inside if inside.startswith("output") else tmp_path / inside
    with pytest.raises(MaterialsError, match=r"inside the output folder .*(output|deploy).* deleted"):
        create(target)
    assert not (target / "campaign.toml").exists() and not (target / ".materials").exists()
    if inside != "output":
        assert not target.exists()
