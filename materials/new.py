"""`materials new DIR`: a campaign folder for any city that builds at once.

Like `mkdocs new`, it writes a working starting point rather than an empty skeleton:

- `campaign.toml` with the settings a city must decide written out as PLACEHOLDERs and every local fact of
  the shipped campaign unconfirmed (every build warns about each one, `--strict` fails), and every other
  setting of the schema commented with its docstring and default, generated from the settings models so it
  never falls behind them;
- the FAQ files of the starter content (the shipped campaign's 40 questions, city-neutral: local facts are
  `{{ city }}`, `{{ hotline }}`…), or a chosen subset plus the questions they link to;
- the glossary, the posters and tips signs, a sample venue list in the placeholder districts, a venue signing key made
  for this campaign (mode 0600, outside git) and a `.gitignore` for outputs and keys.

The starter content ships inside the package (`materials/starter/`), so a wheel installed anywhere has it.
"""

from __future__ import annotations

import csv
import importlib.resources
import io
import re
import shutil
import textwrap
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from materials.errors import MaterialsError
from materials.output import machine_errors
from materials.schema import PLACEHOLDER_MARK

#: Languages the starter content is written in.
LANGUAGES = ("zh-CN", "en")
GITIGNORE = """\
# What a build writes, and secrets: never commit them.
/output/
/.materials/
*.key
secrets/
"""
LINK = re.compile(r"\]\(faq:([a-z0-9-]+)")

#: Values a city must decide: written out uncommented (TOML), each with PLACEHOLDER in it.
CORE = """\
# A campaign of `materials`: every key is documented in the settings reference (`materials settings`).
# Values marked {mark} are a starting point: every build warns about each one and
# `materials build --strict` fails until you replace them. Commented lines show the other settings
# with their defaults; uncomment one to change it.

languages = ["zh-CN", "en"]   # the first is primary
issued = {issued}             # date of the notice the campaign serves
glossary = "glossary.toml"    # one vocabulary (preferred terms, variants), checked by `materials check`

[title]
zh-CN = "健康码 · 扫码申报 绿码通行"
en = "Health QR Code: declare online, green code gets you through"

# {mark}: the authority's name in every language (the English one carries the mark, so builds warn; the
# Chinese one is left plain because display screens print it in large type, where a mark would crowd it).
[authority]
zh-CN = "示例市疫情防控指挥部"
en = "Example City Headquarters of Epidemic Prevention and Control ({mark})"

[service]
# {mark}: a reserved .example host. Set the real declaration service before printing anything.
url = "https://declare.health-code.example/apply"
{service}
# Local facts: everything the content says beyond the notice, written {{{{ name }}}} in the FAQ, posters and
# tips. None is confirmed for this city yet: every build warns about each one until you set its words,
# `source = {{ document, date, link }}` and `confirmed = true` (see `materials proof`).
{facts}
{categories}
# {mark} districts: list the city's districts in official order (venue lists name them).
[[districts]]
key = "north"
names = {{ zh-CN = "北区（{mark}）", en = "North District ({mark})" }}

[[districts]]
key = "south"
names = {{ zh-CN = "南区（{mark}）", en = "South District ({mark})" }}
"""

#: The sample venue list: one venue of every place category, in the placeholder districts.
SAMPLE_VENUES = [
    ("N-C-001", "示例社区", "north", "community", "北区示例路1号", "Example Community", "1 Example Road"),
    ("N-E-001", "示例企业有限公司", "north", "enterprise", "北区示例路2号", "Example Enterprise Co.", ""),
    ("N-A-001", "示例机场", "north", "airport", "北区机场路1号", "Example Airport", "1 Airport Road"),
    ("S-D-001", "示例码头", "south", "dock", "南区港口路1号", "Example Dock", "1 Harbour Road"),
    ("S-R-001", "示例火车站", "south", "railway-station", "南区站前路1号", "Example Railway Station", ""),
    ("S-H-001", "示例公路客运站", "south", "highway-station", "南区客运路1号", "Example Bus Station", ""),
    ("S-I-001", "示例产业园", "south", "industrial-park", "南区园区路1号", "Example Industrial Park", ""),
    ("N-B-001", "示例商务楼", "north", "commercial-building", "北区商务路1号", "Example Tower", ""),
]

#: Facts that name the shipped city's own things: a new campaign gets neutral example words for them, short
#: enough to fit the posters (like every fact of a new campaign they are unconfirmed, so every build warns).
LOCAL = {
    "city": {"zh-CN": "某市", "en": "Anytown"},
    "app": {"zh-CN": "示例办", "en": "the city's app"},
    "hotline": {"zh-CN": "12345热线", "en": "the 12345 hotline"},
    "portal_site": {"zh-CN": "本市政府网站", "en": "the city government website"},
    "wechat_account": {"zh-CN": "本市政务微信公众号", "en": "the city's official WeChat account"},
    "notice_date": {"zh-CN": f"{PLACEHOLDER_MARK}: 通知日期", "en": f"{PLACEHOLDER_MARK}: the notice's date"},
    "notice_publisher": {"zh-CN": "本市卫生健康委员会网站", "en": "the city health commission's website"},
    "notice_title": {"zh-CN": f"{PLACEHOLDER_MARK}: 《通知标题》", "en": f"{PLACEHOLDER_MARK}: the notice's title"},
    "notice_number": {"zh-CN": f"{PLACEHOLDER_MARK}: 文号", "en": f"{PLACEHOLDER_MARK}: its number"},
    "neighbour_regions": {"zh-CN": "邻近省市来本市的人员，其健康码信息是否予以认可，以本市通知为准",
                          "en": "Whether codes from neighbouring provinces are recognised is for this city's "
                                "notices to say"},
}
#: FAQ category names that name the shipped city, in words for any city.
GENERIC_CATEGORIES = {"travel": {"zh-CN": "出行", "en": "Travel"}}

#: Settings `materials new` writes out for the new campaign (the rest is commented with its default).
SET = {
    "venues": {"list": "venues/sample.csv", "key_file": ".materials/venue-signing.key"},
    "site": {"base_url": "https://health-code.city.example/"},
}
SET_COMMENTS = {
    "site.base_url": f"{PLACEHOLDER_MARK}: the portal's real https address, before publishing",
    "venues.key_file": "made by `materials new` for this campaign: keep it secret, never commit it",
}


def starter() -> Path:
    root = importlib.resources.files("materials") / "starter"
    if not isinstance(root, Path):
        raise MaterialsError("the materials package must be installed as files, not zipped (pip install does)")
    return root


def create(folder: Path, faq: list[str] | None = None) -> list[Path]:
    """Write a new campaign into `folder` (new or empty); `faq` picks question ids (default: all 40)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise MaterialsError(f"{folder} already exists and is not empty; choose a new folder")
    source = starter()
    chosen = _choose_faqs(source / "faq", faq)
    with machine_errors(folder, kept=f"nothing was left in {folder}"):
        return _create(folder, source, chosen)


def _create(folder: Path, source: Path, chosen: set[str]) -> list[Path]:
    from materials.venues import links

    folder.mkdir(parents=True, exist_ok=True)
    try:
        written = [_write(folder / "campaign.toml", campaign_toml()), _write(folder / ".gitignore", GITIGNORE),
                   _copy(source / "glossary.toml", folder / "glossary.toml")]
        for lang in LANGUAGES:
            for path in sorted((source / "faq" / lang).glob("*.md")):
                if _faq_id(path) in chosen:
                    written.append(_copy(path, folder / "faq" / lang / path.name))
        for kind in ("posters", "tips"):
            for path in sorted((source / kind).glob("*.md")):
                written.append(_copy(path, folder / kind / path.name))
        written.append(_write(folder / "venues" / "sample.csv", sample_venues()))
        key = folder / ".materials" / "venue-signing.key"
        key.parent.mkdir(mode=0o700)
        links.write_key_file(key, [links.new_key(1)])
        written.append(key)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never half a campaign
        raise
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _copy(source: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return dest


def _faq_id(path: Path) -> str:
    match = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
    return match.group(1) if match else path.stem


def _choose_faqs(faq_dir: Path, wanted: list[str] | None) -> set[str]:
    """The chosen ids plus every question they link to (`faq:ID`), so the subset's links resolve."""
    files = {_faq_id(p): p for p in sorted((faq_dir / LANGUAGES[-1]).glob("*.md"))}
    if not wanted:
        return set(files)
    unknown = sorted(set(wanted) - set(files))
    if unknown:
        raise MaterialsError(f"--faq {', '.join(unknown)}: no such question; choose from {', '.join(files)}")
    chosen: set[str] = set()
    todo = list(wanted)
    while todo:
        ident = todo.pop()
        if ident in chosen:
            continue
        chosen.add(ident)
        for lang in LANGUAGES:
            for path in (faq_dir / lang).glob("*.md"):
                if _faq_id(path) == ident:
                    todo += LINK.findall(path.read_text(encoding="utf-8"))
    return chosen


def sample_venues() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", "district", "category", "address", "name_en", "address_en", "reprint"])
    for row in SAMPLE_VENUES:
        writer.writerow([*row, 0])
    return out.getvalue()


def campaign_toml(issued: date | None = None) -> str:
    """The new campaign's settings: CORE, then every other setting commented, from the schema."""
    from materials.config import settings_model

    model = settings_model()
    shipped = tomllib.loads((starter() / "campaign.toml").read_text(encoding="utf-8"))
    text = CORE.format(mark=PLACEHOLDER_MARK, issued=(issued or date.today()).isoformat(),
                       service=_commented(model.model_fields["service"].annotation, "service", set_keys={"url"}),
                       facts=_facts(shipped.get("facts", {})), categories=_categories(shipped["faq_categories"]))
    skip = {"languages", "issued", "title", "authority", "service", "facts", "faq_categories", "districts"}
    top, tables = [], []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            values = SET.get(name, {})
            header = f"[{name}]" if values else f"# [{name}]"
            body = "".join(f"{k} = {_toml(v)}   # {SET_COMMENTS[f'{name}.{k}']}\n" if f"{name}.{k}" in SET_COMMENTS
                           else f"{k} = {_toml(v)}\n" for k, v in values.items())
            tables.append(f"\n{_doc(field.description)}{header}\n{body}"
                          f"{_commented(annotation, name, set_keys=set(values))}")
        else:
            top.append(_setting(name, field.description, field.get_default(call_default_factory=True)))
    return text + "\n# Other settings of the campaign, with their defaults.\n" + "".join(top) + "".join(tables)


def _facts(shipped: dict[str, dict[str, Any]]) -> str:
    """The shipped campaign's facts, none confirmed: the city's own ones (LOCAL) in neutral words, the others
    with the shipped words as a starting point for the authority to confirm or change."""
    out = []
    for name, table in shipped.items():
        texts = {lang: LOCAL.get(name, table)[lang] for lang in LANGUAGES if lang in table}
        # The shipped sources name Tianjin's documents: a new city states its own (issue 20: no city words).
        document = _toml("To be confirmed for this city: the document that states it")
        lines = [f"[facts.{name}]", *(f"{_key(lang)} = {_toml(text)}" for lang, text in texts.items()),
                 "confirmed = false", f"source = {{ document = {document} }}"]
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def _categories(shipped: list[dict[str, Any]]) -> str:
    out = []
    for category in shipped:
        names = GENERIC_CATEGORIES.get(category["key"], category["names"])
        out.append(f'[[faq_categories]]\nkey = "{category["key"]}"\nnames = {_toml(names)}\n')
    return "\n".join(out)


def _commented(model: Any, table: str, set_keys: set[str]) -> str:
    out = []
    for name, field in model.model_fields.items():
        if name not in set_keys:
            out.append(_setting(name, field.description, field.get_default(call_default_factory=True)))
    return "".join(out)


def _doc(doc: str | None) -> str:
    words = " ".join((doc or "").split())
    return "".join(f"# {line}\n" for line in textwrap.wrap(words, 100)) if words else ""


def _setting(name: str, doc: str | None, default: Any) -> str:
    if default is None:
        return f"{_doc(doc)}# {name} =   (no default)\n"
    return f"{_doc(doc)}# {name} = {_toml(default)}\n"


def _toml(value: Any) -> str:
    """A default as a TOML value (inline tables for mappings; TOML has no null, so an unset field is left out,
    as a user would leave it out)."""
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None}
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no TOML form for {value!r}")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)
