"""`materials proof`: the PDF the authority signs. Its text is read back from the rendered pages."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from click.testing import CliRunner

from materials import campaign as campaign_mod
from materials.cli import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def pages(path: Path) -> list[str]:
    document = pdfium.PdfDocument(path)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def squeeze(text: str) -> str:
    """Extracted text without the line breaks and spaces a layout adds."""
    return re.sub(r"\s+", "", text)


def test_proof_of_the_mini_campaign(mini_campaign: Path, tmp_path: Path) -> None:
    toml = mini_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'confirmed = true\nsource = { document = "Test hotline list"', 'confirmed = false\nsource = { document = '
        '"Ask the city hotline office"'), encoding="utf-8")
    out = tmp_path / "proof.pdf"
    code, output = run("proof", "--campaign", str(mini_campaign), "--out", str(out))
    assert code == 0, output
    assert f"proof: {out.resolve()} (" in output and "1 unconfirmed fact(s)" in output  # where it wrote, absolute
    # No build yet: the user is told on screen (and on the cover) how to get the pictures.
    assert "the proof has no pictures of the materials" in output and "materials build" in output
    text = pages(out)
    everything = squeeze("".join(text))
    cover = everything[: everything.index("常见问题Frequentlyaskedquestions")]
    # Blockers first: the placeholder service, then where every code and link leads.
    order = [cover.index(h) for h in ("须先解决的问题Blockers", "二维码和链接指向", "未经确认的事实Unconfirmedfacts(")]
    assert order == sorted(order)
    assert "service.urlhttps://declare.health-code.example/applyisaplaceholder" in cover
    assert "posterhttps://declare.health-code.example/apply?ch=poster" in cover
    # The cover: the unconfirmed fact with its number, words and source; the confirmed one apart.
    assert "未经确认的事实Unconfirmedfacts(1)" in cover
    assert "F2hotline未确认unconfirmed1234512345Askthecityhotlineoffice" in cover
    assert "F1city已确认confirmed测试市TestCityTestnotice,2020-03-10,https://notice.example/1" in cover
    body = squeeze("".join(text[1:]))
    campaign = campaign_mod.load(mini_campaign)
    for number, (zh, en) in enumerate(zip(campaign.faqs["zh-CN"], campaign.faqs["en"], strict=True), 1):
        assert f"{number}.{squeeze(zh.question)}" in body  # numbered, both languages side by side
        assert squeeze(zh.question) in body and squeeze(en.question) in body
    # A fact in a text is its words plus its number on the cover.
    assert "12345F2" in body and "TestCityF1" in body
    assert "审核人（签字）Approvedby(signature)" in body and "同意付印" in body
    assert re.search(r"第1页/共\d+页", squeeze(text[0]))
    # Per fact: a line to confirm or correct it with its source; the approver's name and post.
    assert "逐项确认Confirmorcorrecteachfact" in cover and "更正为Correctedto" in cover
    assert "审核人姓名Approver'sname" in body and "职务Post" in body


def test_proof_is_reproducible_and_embeds_the_chinese_font(mini_campaign: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for out in (first, second):
        assert run("proof", "--campaign", str(mini_campaign), "--out", str(out))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    fonts = subprocess.run(["pdffonts", str(first)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts  # the Simplified Chinese face, not the Japanese one
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


def test_proof_refuses_a_file_that_is_not_a_pdf(mini_campaign: Path, tmp_path: Path) -> None:
    code, output = run("proof", "--campaign", str(mini_campaign), "--out", str(tmp_path / "proof.txt"))
    assert code == 1 and "the proof is a PDF; give a file name ending in .pdf" in output
    assert not (tmp_path / "proof.txt").exists()


def test_proof_replaces_only_its_own_pdf(mini_campaign: Path, tmp_path: Path) -> None:
    """`proof --out` follows the output rules: its own proof is replaced, a foreign PDF or a venue run's
    district file never is (and the message says why)."""
    own = tmp_path / "signed" / "proof.pdf"
    for _ in range(2):
        code, output = run("proof", "--campaign", str(mini_campaign), "--out", str(own))
        assert code == 0 and f"proof: {own}" in output
    foreign = tmp_path / "leaflet.pdf"
    with pikepdf.open(own) as pdf:  # a PDF like ours but made by someone else
        pdf.docinfo["/Creator"] = "designer"
        pdf.save(foreign)
    before = foreign.read_bytes()
    code, output = run("proof", "--campaign", str(mini_campaign), "--out", str(foreign))
    assert code == 1 and "is not a proof made by materials" in output and foreign.read_bytes() == before
    district = tmp_path / "run" / "heping.pdf"
    district.parent.mkdir()
    (district.parent / ".materials-output").write_text('{"made_by": "materials venues"}', encoding="utf-8")
    district.write_bytes(own.read_bytes())  # even a file that looks like a proof: it is the run's
    code, output = run("proof", "--campaign", str(mini_campaign), "--out", str(district))
    assert code == 1 and "materials venues" in output


def test_proof_of_the_shipped_campaign_lists_every_unconfirmed_fact(shipped_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "proof.pdf"
    assert run("proof", "--campaign", str(shipped_root), "--out", str(out))[0] == 0
    text = pages(out)
    campaign = campaign_mod.load(shipped_root)
    unconfirmed = [name for name, fact in campaign.settings.facts.items() if not fact.confirmed]
    everything = squeeze("".join(text))
    cover = everything[: everything.index("常见问题Frequentlyaskedquestions")]
    assert f"Unconfirmedfacts({len(unconfirmed)})" in cover
    for name in unconfirmed:
        assert name in cover, name
    body = everything
    for faq in campaign.faqs["zh-CN"]:
        assert f"{faq.order}.{squeeze(faq.question)}" in body
    for heading in ("通知原文Thenotice", "海报Posters", "明白纸Tipssigns",
                    "入口查验人员工作指引Guideforinspectionstaff",
                    "网站首页文字与手册封面Websitehometextsandbookletcover", "问题类别名称FAQcategorynames",
                    "网站界面文字Websiteinterfacestrings", "场所申领二维码海报文字Applycodepostertexts(onepervenue)"):
        assert heading in body
    # Fresh reading 3: facts a document states stand apart from those only the campaign says; the settings
    # section shows the districts and billboard size as facts with their status, and the place categories.
    evidenced = cover.index("有文件依据的Withasourcedocument(")
    unevidenced = cover.index("无文件依据的Withnosourcedocument(")
    assert evidenced < cover.index("F", evidenced) < unevidenced
    assert cover.index("hotline", unevidenced) > unevidenced  # “To be confirmed”: no document states it
    assert "app" in cover[evidenced:unevidenced]  # a dated news report states it
    settings = body[body.index("设置中印在材料上的名称"):]
    assert "2400mm×1200mm" in settings and "readfrom20m,scannedfrom6m" in settings
    assert "={{billboard_size}}(NOTCONFIRMED/待确认)" in settings
    assert "={{districts}}(NOTCONFIRMED/待确认)" in settings and "和平区、河东区" in settings
    assert "place_categories" in settings and "小区、企业、机场、码头" in settings and "Residentialcompound" in settings
    # The notice in both languages, its own words; the reprint still to be checked is a blocker.
    assert squeeze("暂停使用纸质或其他出行证明。出入医疗卫生机构人员以及无码人员按原有方式通行。") in body
    assert squeeze("Suspend the use of documents for getting around in written or other forms.") in body
    assert "notice/zh-CN.md:areprint" in cover and "contraryevidence" in cover
    # Every page carries the one fingerprint of the sources, as the PDF's keywords do.
    from materials import fingerprint

    mark = fingerprint.sources(campaign)
    assert all(mark in page for page in text)
    document = pdfium.PdfDocument(out)
    try:
        assert mark in document.get_metadata_dict()["Keywords"]
    finally:
        document.close()


def test_the_shipped_proof_blocks_on_the_authority_name_the_demo_key_and_the_sample_list(shipped_root: Path) -> None:
    """Review of issue 20: the signer sees, first on the cover, that the authority's short name printed on
    posters is not the notice's issuer as written, that venue posters are signed with a demo key and that the
    venue list is the sample; the issuer itself is an unconfirmed fact."""
    from materials.proof import collect_proof

    proof = collect_proof(campaign_mod.load(shipped_root))
    blockers = proof.blockers
    # The full name is the issuer's; the short one printed where space is tight is the signer's to approve.
    assert any("authority_short (zh-CN)" in b and "“天津市防控指挥部”" in b
               and "天津市新型冠状病毒肺炎疫情防控指挥部" in b for b in blockers), blockers
    assert not any("authority (zh-CN)" in b for b in blockers), blockers
    assert not any("(en)" in b for b in blockers), blockers  # the English name is the signature's
    assert "notice_issuer" in [row.name for row in proof.unconfirmed]
    assert any("demo_key" in b for b in blockers) and any("sample list" in b for b in blockers), blockers


def test_the_shipped_proof_maps_the_notice_to_the_materials_and_shows_tags_synonyms_and_quotations(
        shipped_root: Path) -> None:
    """Review of issue 20: each part of the notice with the questions and materials that cite it (none left
    uncovered), the tags and search synonyms that will be published, and quotations marked as checked."""
    from materials.proof import collect_proof, html_document

    campaign = campaign_mod.load(shipped_root)
    proof = collect_proof(campaign)
    parts = dict(proof.articles)
    assert len(parts) == 5 and all(parts.values()), parts
    # each question named in both languages
    assert any(p.startswith("what-is-the-health-code (") and "？ / " in p for p in parts["开头 Preamble"])
    page = html_document(campaign, proof)
    assert "未覆盖 Not covered" not in page
    assert "标签 Tags: 绿码 · 颜色 · 非绿码" in page and "code not green" in page  # tags and a synonym group
    assert "quotation checked word for word against notice/zh-CN.md (a reprint" in page


def test_only_the_notice_s_words_are_labelled_a_checked_quotation(shipped_root: Path) -> None:
    """Review 20c: a poster's call to action (“扫码如实申报”) was labelled “quotation checked word for word”. A
    blockquote gets that label only when its words are in the notice; any other is the campaign's own words."""
    from materials.notice import load
    from materials.proof import _label_quotations

    zh = load(campaign_mod.load(shipped_root)).by_lang["zh-CN"]
    quote = _label_quotations("<blockquote><p>通知第一条：“持‘绿码’全市通行。”</p></blockquote>", zh)
    own = _label_quotations("<blockquote><p>用手机扫描二维码，立即申领</p></blockquote>", zh)
    invented = _label_quotations("<blockquote><p>通知第一条：“持绿码可以不配合查验。”</p></blockquote>", zh)
    assert 'class="notice-quote"' in quote
    assert 'class="own-words"' in own and 'class="own-words"' in invented


def test_the_shipped_proof_labels_posters_calls_to_action_and_lists_facts_to_decide_together(
        shipped_root: Path) -> None:
    from materials.proof import collect_proof, html_document

    campaign = campaign_mod.load(shipped_root)
    proof = collect_proof(campaign)
    page = html_document(campaign, proof)
    posters = dict(proof.sections)["posters"]
    columns = "".join(str(column) for item in posters for column in item.columns.values())
    assert 'blockquote class="notice-quote"' not in columns and 'blockquote class="own-words"' in columns
    faqs = "".join(str(column) for item in dict(proof.sections)["faq"] for column in item.columns.values())
    assert 'blockquote class="notice-quote"' in faqs and 'blockquote class="own-words"' not in faqs
    # The campaign's own sentences (no quotation, no fact) are marked for the signer; a sentence with a fact is not.
    assert '<p class="own">扫描本次宣传印制的申领二维码，打开的是官方申报服务，用于申领健康码。</p>' in faqs
    assert '<p class="own">{{' not in faqs and "蓝底" in page
    groups = [[row.name for row in group] for group in proof.decisions]
    assert ["staff_screenshots", "gate_not_green", "original_way_at_gate", "code_not_loading", "screenshots"] in groups
    assert "须一并决定的事实 Facts to decide together" in page


def test_the_proof_counts_facts_printed_from_settings_as_used(shipped_root: Path) -> None:
    """Reading 4: the Uses column read 0 for authority_short, districts and billboard_size, which every venue
    poster, billboard and sign prints from campaign.toml's settings."""
    from materials.proof import collect_proof, html_document

    campaign = campaign_mod.load(shipped_root)
    proof = collect_proof(campaign)
    rows = {row.name: row for row in proof.facts}
    assert {rows[name].setting for name in ("authority_short", "districts", "billboard_size")} == {
        "authority_short", "districts", "print.sizes.billboard"}
    assert rows["hotline"].setting == "" and rows["hotline"].uses > 0
    page = html_document(campaign, proof)
    assert "printed on every material from setting <code>authority_short</code>" in page
