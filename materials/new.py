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

import contextlib
import csv
import dataclasses
import importlib.resources
import io
import os
import re
import textwrap
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from materials.errors import MaterialsError
from materials.i18n import _
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

# Other top-level settings, with their defaults. They stay up here: in TOML a key written below a [table]
# header belongs to that table, so uncomment them where they are.
{top}
[title]
zh-CN = "健康码 · 扫码申领 绿码通行"
en = "Health QR Code: apply online, green code gets you through"

{authority}
[service]
{service_url}
{service}
# Local facts: everything the content says beyond the notice, written {{{{ name }}}} in the FAQ, posters and
# tips. None is confirmed for this city yet: every build warns about each one until you set its words,
# `source = {{ document, date, link }}` and `confirmed = true` (see `materials proof`).
{facts}
{categories}
{districts}"""

PLACEHOLDER_AUTHORITY = """\
# {mark}: the authority's name in every language (the English one carries the mark, so builds warn; the
# Chinese one is left plain because display screens print it in large type, where a mark would crowd it).
[authority]
zh-CN = "示例市疫情防控指挥部"
en = "Example City Headquarters of Epidemic Prevention and Control ({mark})"

# The short name, printed where space is tight (the venue posters' issuer line, stickers, screens, signs).
[authority_short]
zh-CN = "示例市防控指挥部"
en = "Example City Headquarters ({mark})"
"""
PLACEHOLDER_SERVICE = ("# {mark}: a reserved .example host. Set the real declaration service before printing "
                       'anything.\nurl = "https://declare.health-code.example/apply"')
PLACEHOLDER_DISTRICTS = """\
# {mark} districts: list the city's districts in official order (venue lists name them).
[[districts]]
key = "north"
names = {{ zh-CN = "北区（{mark}）", en = "North District ({mark})" }}

[[districts]]
key = "south"
names = {{ zh-CN = "南区（{mark}）", en = "South District ({mark})" }}
"""


@dataclasses.dataclass
class Answers:
    """What a city tells `materials new` (flags, or prompts on a terminal); empty: the placeholders."""

    city: str = ""
    city_en: str = ""
    authority: str = ""
    authority_en: str = ""
    #: Short names (empty: the full name).
    authority_short: str = ""
    authority_short_en: str = ""
    #: (key, Chinese name, English name) in official order.
    districts: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    service_url: str = ""
    site_url: str = ""


def check_answer(option: str, value: str) -> str:
    """An answer with a line break, a control, bidi or zero-width character is refused naming its option, before
    it reaches campaign.toml: a line break would end the TOML string (and could add settings), a bidi override
    would print another name than the one typed."""
    from materials.fonts import describe
    from materials.textfiles import _forbidden_char

    bad = next((c for c in value if _forbidden_char(c) or c == "\t"), None)
    if bad is not None:
        raise MaterialsError(_("{option} {value!r}: holds the invisible control character {char} (a line break, "
                               "tab, bidi or zero-width character); give the text on one line without it").format(
                                 option=option, value=value, char=describe(bad)))
    return value


def parse_district(text: str, number: int) -> tuple[str, str, str]:
    """`shangcheng=上城区`, `shangcheng=上城区=Shangcheng District`, or `上城区` (key `district-N`)."""
    check_answer("--district", text)
    parts = [part.strip() for part in text.split("=")]
    if len(parts) == 1:
        key, name, english = f"district-{number}", parts[0], ""
    elif len(parts) in (2, 3):
        key, name, english = parts[0], parts[1], parts[2] if len(parts) == 3 else ""
    else:
        raise MaterialsError(_("--district {text!r}: write KEY=名称 (such as shangcheng=上城区), optionally "
                               "=English name").format(text=text))
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", key):
        raise MaterialsError(_("--district {text!r}: the key {key!r} must be lower-case letters, digits "
                               "and hyphens (such as shangcheng); venue lists may use the key or the name").format(
                                 text=text, key=key))
    if not name:
        raise MaterialsError(_("--district {text!r}: the district's name is empty").format(text=text))
    return key, name, english or " ".join(w.capitalize() for w in key.split("-")) + " District"

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
    "notice_issuer": {"zh-CN": f"{PLACEHOLDER_MARK}: 发文机关", "en": f"{PLACEHOLDER_MARK}: the notice's issuer"},
    "authority_short": {"zh-CN": f"{PLACEHOLDER_MARK}: 发文机关简称", "en": f"{PLACEHOLDER_MARK}: its short name"},
    # The city's districts as [[districts]] lists them (`materials check` holds the two equal once filled in).
    "districts": {"zh-CN": f"{PLACEHOLDER_MARK}: 各区名称（按官方顺序，用顿号分隔）",
                  "en": f"{PLACEHOLDER_MARK}: the districts' names, in official order, separated by commas"},
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
        raise MaterialsError(_("the materials package must be installed as files, not zipped (pip install "
                               "does)"))
    return root


def create(folder: Path, faq: list[str] | None = None, answers: Answers | None = None) -> list[Path]:
    """Write a new campaign into `folder` (new or empty); `faq` picks question ids (default: all 40); `answers`
    are the city's own names and addresses (default: placeholders).

    The folder is the one the path names as the system reads it (`..` after a symbolic link or a folder that
    does not exist yet included), and nothing is ever written over or removed that this call did not create."""
    folder = Path(os.path.realpath(folder))
    _refuse_unmakeable(folder)
    refuse_output_folder(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise MaterialsError(_("{folder} already exists and is not empty; choose a new folder").format(folder=folder))
    source = starter()
    chosen = _choose_faqs(source / "faq", faq)
    answers = answers or Answers()
    text = campaign_toml(answers=answers)
    _check_settings(text)
    with machine_errors(folder, kept=f"nothing was left in {folder}"):
        return _create(folder, source, chosen, text, answers)


def _refuse_unmakeable(folder: Path) -> None:
    """A folder the system cannot make is named with the reason, before anything is written: a name longer than
    the file system allows (an OSError traceback, red team 11), or a file on the way (`odd/afile/sub` said "File
    exists (EEXIST) … Free space or fix the folder's permissions")."""
    existing = next(parent for parent in folder.parents if os.path.isdir(parent))  # isdir: False for a long name
    try:
        limit = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    parent = existing
    for name in folder.relative_to(existing).parts:
        size = len(os.fsencode(name))
        if size > limit:
            raise MaterialsError(_("the folder name {name} (in {parent}) is {size} bytes long, and the file system "
                                   "allows at most {limit} bytes for a file or folder name; choose a shorter "
                                   "name").format(parent=parent, name=repr(name[:40] + "…"), size=size, limit=limit))
        parent = parent / name
    for part in (folder, *folder.parents):
        if os.path.isdir(part):
            return
        if os.path.exists(part) and part != folder:
            raise MaterialsError(_("cannot make {folder}: {part} is a file, not a folder, so no folder can be made "
                                   "below it. Choose another place for the campaign").format(folder=folder, part=part))


def refuse_output_folder(folder: Path) -> None:
    """A new campaign inside an output folder (a folder a build or run marked, a campaign's `output/`, as
    `output.owned_folder` finds it, the test `keys new --out` refuses a key there with) would be deleted, its
    signing key with it, by that output's next run (red team 11): refused before anything is written."""
    from materials.output import owned_folder

    owner = owned_folder(folder)
    if owner is not None:
        raise MaterialsError(_("{folder} is inside the output folder {owner}, which its next build or run replaces "
                               "whole: the new campaign and its signing key would be deleted. Choose a folder outside "
                               "every output folder, such as one beside the other campaign").format(
                                   folder=folder, owner=owner))


def _check_settings(text: str) -> None:
    """The answers are settings: a bad address or district is refused before a file is written."""
    import tempfile

    from materials.config import load_settings
    from materials.errors import CampaignError

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "campaign.toml"
        path.write_text(text, encoding="utf-8")
        try:
            load_settings(path)
        except CampaignError as e:
            raise MaterialsError(_("the answers do not make valid settings, nothing was written:\n{problems}").format(
                problems="\n".join(f"  {p.key}: {p.message}" if p.key else f"  {p.message}"
                                   for p in e.problems))) from None


def _create(folder: Path, source: Path, chosen: set[str], text: str, answers: Answers) -> list[Path]:
    from materials.venues import links

    made = _Made()
    try:
        made.folder(folder)
        written = [made.write(folder / "campaign.toml", text.encode()),
                   made.write(folder / ".gitignore", GITIGNORE.encode()),
                   made.copy(source / "glossary.toml", folder / "glossary.toml")]
        for lang in LANGUAGES:
            for path in sorted((source / "faq" / lang).glob("*.md")):
                if _faq_id(path) in chosen:
                    written.append(made.copy(path, folder / "faq" / lang / path.name))
        for kind in ("posters", "tips"):
            for path in sorted((source / kind).glob("*.md")):
                written.append(made.copy(path, folder / kind / path.name))
        written.append(made.write(folder / "venues" / "sample.csv", sample_venues(answers.districts).encode()))
        key = folder / ".materials" / "venue-signing.key"
        made.folder(key.parent, mode=0o700)
        if key.parent in made.folders:  # a key file in our own new folder is ours, even half written
            made.files.append(key)
        links.write_key_file(key, [links.new_key(1)])  # never replaces a file (O_EXCL)
        written.append(key)
    except BaseException:
        made.undo()  # never half a campaign, and never anything that was there before
        raise
    return written


class _Made:
    """What `materials new` created, so a failure removes exactly that: files are created exclusively (never
    written over), folders made one level at a time (a folder that already existed is not ours)."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.folders: list[Path] = []

    def folder(self, path: Path, mode: int = 0o777) -> None:
        missing = []
        while not path.is_dir():
            missing.append(path)
            path = path.parent
        for path in reversed(missing):
            path.mkdir(mode=mode)  # FileExistsError if something appeared meanwhile: not ours, left alone
            self.folders.append(path)

    def write(self, path: Path, data: bytes) -> Path:
        self.folder(path.parent)
        with path.open("xb") as stream:  # FileExistsError rather than writing over a file
            self.files.append(path)
            stream.write(data)
        return path

    def copy(self, source: Path, dest: Path) -> Path:
        return self.write(dest, source.read_bytes())

    def undo(self) -> None:
        for path in reversed(self.files):
            path.unlink(missing_ok=True)
        for path in reversed(self.folders):
            with contextlib.suppress(OSError):  # not empty: something not ours is in it
                path.rmdir()


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
        raise MaterialsError(_("--faq {names}: no such question; choose from {names2}").format(
                                 names=', '.join(unknown), names2=', '.join(files)))
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


def sample_venues(districts: list[tuple[str, str, str]] | None = None) -> str:
    """The sample list; with the city's districts, its venues go to them in turn (ids and addresses follow)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "name", "district", "category", "address", "name_en", "address_en", "reprint"])
    for number, row in enumerate(SAMPLE_VENUES):
        if districts:
            key, name, _english = districts[number % len(districts)]
            prefix = "".join(part[0] for part in key.split("-")).upper() + str(number % len(districts) + 1)
            venue_id, address = f"{prefix}-{row[0][2:]}", name + row[4][2:]
            row = (venue_id, row[1], key, row[3], address, row[5], row[6])
        writer.writerow([*row, 0])
    return out.getvalue()


def campaign_toml(issued: date | None = None, answers: Answers | None = None) -> str:
    """The new campaign's settings: CORE with the optional top-level settings commented above the first table,
    then every other table's settings commented, from the schema."""
    from materials.config import settings_model

    answers = answers or Answers()
    model = settings_model()
    shipped = tomllib.loads((starter() / "campaign.toml").read_text(encoding="utf-8"))
    skip = {"languages", "issued", "title", "authority", "authority_short", "service", "facts", "faq_categories",
            "districts"}
    top, tables = [], []
    for name, model_field in model.model_fields.items():
        annotation = model_field.annotation
        if name in skip or name == "glossary":  # glossary is written out above
            continue
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            top.append(_setting(name, model_field.description, model_field.get_default(call_default_factory=True)))
            continue
        values = dict(SET.get(name, {}))
        if name == "site" and answers.site_url:
            values["base_url"] = answers.site_url
        header = f"[{name}]" if values else f"# [{name}]"
        body = "".join(f"{k} = {_toml(v)}   # {SET_COMMENTS[f'{name}.{k}']}\n"
                       if f"{name}.{k}" in SET_COMMENTS and not (name == "site" and answers.site_url)
                       else f"{k} = {_toml(v)}\n" for k, v in values.items())
        tables.append(f"\n{_doc(model_field.description)}{header}\n{body}"
                      f"{_commented(annotation, name, set_keys=set(values))}")
    text = CORE.format(mark=PLACEHOLDER_MARK, issued=(issued or date.today()).isoformat(), top="".join(top),
                       authority=_authority(answers), service_url=_service_url(answers),
                       service=_commented(model.model_fields["service"].annotation, "service", set_keys={"url"}),
                       facts=_facts(shipped.get("facts", {}), answers, _named_only_in_search(shipped)),
                       categories=_categories(shipped["faq_categories"]), districts=_districts(answers))
    return text + "\n# The other tables of settings, with their defaults.\n" + "".join(tables)


def _authority(answers: Answers) -> str:
    """The full and the short name; either one given stands for the other (the short name, written out, is
    there to shorten), and an English name not given is a PLACEHOLDER."""
    full = answers.authority or answers.authority_short
    if not full:
        return PLACEHOLDER_AUTHORITY.format(mark=PLACEHOLDER_MARK)
    short = answers.authority_short or full
    english = answers.authority_en or f"{full} ({PLACEHOLDER_MARK}: its English name)"
    if answers.authority_short_en:
        short_english = answers.authority_short_en
    elif answers.authority_en or short == full:
        short_english = english
    else:
        short_english = f"{short} ({PLACEHOLDER_MARK}: its English short name)"
    return (f"[authority]\nzh-CN = {_toml(full)}\nen = {_toml(english)}\n\n"
            "# The short name, printed where space is tight (the venue posters' issuer line, stickers, screens, "
            "signs).\n"
            f"[authority_short]\nzh-CN = {_toml(short)}\nen = {_toml(short_english)}\n")


def _service_url(answers: Answers) -> str:
    if not answers.service_url:
        return PLACEHOLDER_SERVICE.format(mark=PLACEHOLDER_MARK)
    return f"url = {_toml(answers.service_url)}"


def _districts(answers: Answers) -> str:
    if not answers.districts:
        return PLACEHOLDER_DISTRICTS.format(mark=PLACEHOLDER_MARK)
    out = ["# The city's districts in official order (venue lists name them by key or name; hints keep this order)."]
    for key, name, english in answers.districts:
        out.append(f"[[districts]]\nkey = {_toml(key)}\nnames = {_toml({'zh-CN': name, 'en': english})}\n")
    return "\n".join(out)


def _facts(shipped: dict[str, dict[str, Any]], answers: Answers | None = None,
           search_only: frozenset[str] = frozenset()) -> str:
    """The shipped campaign's facts, none confirmed: the city's own ones (LOCAL, or the city's name as given) in
    neutral words, the others with the shipped words as a starting point for the authority to confirm or change.
    Facts in `search_only` are left out (see `_named_only_in_search`)."""
    local = dict(LOCAL)
    if answers is not None and answers.city:
        local["city"] = {"zh-CN": answers.city, "en": answers.city_en or answers.city}
    out = []
    for name, table in shipped.items():
        if name in search_only:
            continue
        texts = {lang: local.get(name, table)[lang] for lang in LANGUAGES if lang in table}
        # The shipped sources name Tianjin's documents: a new city states its own (issue 20: no city words).
        document = _toml("To be confirmed for this city: the document that states it")
        lines = [f"[facts.{name}]", *(f"{_key(lang)} = {_toml(text)}" for lang, text in texts.items()),
                 "confirmed = false", f"source = {{ document = {document} }}"]
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def _named_only_in_search(shipped: dict[str, Any]) -> frozenset[str]:
    """Facts the shipped campaign names only in its own `[search]` table (city_short: 来津, 返津). A new
    campaign leaves that table at its defaults, so it would carry them unused and every check would warn."""
    from materials.markdown import FACT

    in_search = set(FACT.findall(repr(shipped.get("search", {}))))
    root = starter()
    texts = "".join(path.read_text(encoding="utf-8") for folder in ("faq", "posters", "tips")
                    for path in sorted((root / folder).rglob("*.md")))
    return frozenset(in_search - set(FACT.findall(texts)))


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
    raise TypeError(f"no TOML form for {value!r}")  # i18n: not shown


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)
