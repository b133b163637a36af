"""Messages in the user's language: every message has a Chinese translation, and the code shows none untranslated.

Three layers: the catalog (up to date with the code, every message translated, the same fields in both
languages); the code (no English sentence reaches a user without `_()`: read from the syntax tree at every place
a message is made); and the command line as users meet it (help and errors in Chinese under `LANG=zh_CN.UTF-8`,
in English under `LANG=C.UTF-8`).
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from materials import i18n

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "materials"
PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "materials.po"
MATERIALS = [sys.executable, "-m", "materials"]


def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN", domain="materials")


# -- the catalog ---------------------------------------------------------------------------------------------


def test_catalog_is_up_to_date_with_the_code():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "catalog.py"), "--check"], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr


def test_every_message_has_a_translation():
    missing = []
    for message in catalog():
        if not message.id:
            continue
        strings = (message.string,) if isinstance(message.string, str) else message.string
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert not missing, f"{len(missing)} messages have no Chinese translation (edit {PO.name}):\n" + "\n".join(
        missing[:40])


FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})|%(?:\([a-z_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrx%]")


def fields(text: str) -> list[str]:
    return sorted(m.group(0) for m in FIELD.finditer(text))


def test_translations_keep_every_field():
    wrong = []
    for message in catalog():
        if not message.id or not message.string:
            continue
        ids = (message.id,) if isinstance(message.id, str) else message.id
        strings = (message.string,) if isinstance(message.string, str) else message.string
        want = fields(ids[-1])
        for string in strings:
            if string and fields(string) != want:
                wrong.append(f"{ids[0]!r}: {want} but the translation has {fields(string)}")
    assert not wrong, "\n".join(wrong)


def test_the_compiled_catalog_is_shipped():
    assert PO.with_suffix(".mo").is_file()


# -- the code ------------------------------------------------------------------------------------------------

#: Calls whose string arguments reach users: exceptions and problems, log lines, echo, progress labels.
SINK_CALLS = re.compile(r"^(?:.*Error|.*Problem|.*Exception|BadParameter|UsageError|Abort|ClickException|"
                        r"echo|secho|fail)$")
LOG_LEVELS = {"info", "warning", "error", "critical", "exception"}
TRANSLATORS = {"_", "ngettext", "N_"}
#: An English word of two letters or more in a literal: the sign of a sentence.
WORDS = re.compile(r"[A-Za-z]{2,}")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _translated(node: ast.expr) -> bool:
    """`_("...")`, `ngettext(...)` or either followed by `.format(...)`."""
    if isinstance(node, ast.Call):
        if _name(node.func) in TRANSLATORS:
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _translated(node.func.value)
    return False


def _english(node: ast.expr) -> bool:
    """A literal (or f-string, sum or %-format of them) with English words in its text."""
    if _translated(node):
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and WORDS.search(str(v.value)) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _english(node.left) or (isinstance(node.op, ast.Add) and _english(node.right))
    if isinstance(node, ast.IfExp):
        return _english(node.body) or _english(node.orelse)
    return False


def untranslated(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []

    def report(node: ast.AST, what: str) -> None:
        line = lines[node.lineno - 1]
        if "# i18n: not shown" not in line:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {what}: {line.strip()[:100]}")

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        args: list[ast.expr] = []
        if SINK_CALLS.match(name):
            args = [a for a in node.args]
            args += [k.value for k in node.keywords if k.arg in ("message", "msg", "hint", "summary")]
            if name == "Problem":  # Problem(file, line, key, message): the first three are places, not words
                args = node.args[3:] + [k.value for k in node.keywords if k.arg == "message"]
        elif name in LOG_LEVELS and isinstance(node.func, ast.Attribute) and _name(node.func.value) in ("log",
                                                                                                         "logger"):
            args = node.args[:1]
        args += [k.value for k in node.keywords if k.arg in ("help", "prompt", "label", "unit")]
        for arg in args:
            if _english(arg):
                report(arg, f"{name}() shows English without _()")
    # click takes a command's help from its docstring, which gettext cannot reach: help= must be given
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and _name(deco.func) in ("command", "group")
                        and not any(k.arg == "help" for k in deco.keywords) and ast.get_docstring(node)):
                    report(deco, "a command whose help is its docstring (give help=_(...) to the decorator)")
    return found


def test_no_message_reaches_users_without_translation():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += untranslated(path)
    assert not found, f"{len(found)} messages are not wrapped in _() (see materials/i18n.py):\n" + "\n".join(found)


# -- choosing the language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, ["zh"]),
    ({"LANG": "zh_SG"}, ["zh"]),
    ({"LANGUAGE": "zh", "LANG": "C.UTF-8"}, ["zh"]),
    ({"LANGUAGE": "en_GB:zh_CN", "LANG": "zh_CN.UTF-8"}, []),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, []),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, ["zh"]),
    ({"LANG": "fr_FR.UTF-8"}, []),
    ({}, []),
])
def test_the_language_is_chosen_as_gettext_chooses(environ, expected):
    assert i18n.requested_languages(environ) == expected


def test_activate_switches_messages_made_afterwards():
    try:
        assert i18n.activate({"LANG": "zh_CN.UTF-8"}) == "zh"
        assert i18n._("Show this message and exit.") != "Show this message and exit."
        assert i18n.activate({"LANG": "C.UTF-8"}) == "en"
        assert i18n._("Show this message and exit.") == "Show this message and exit."
    finally:
        i18n.activate()


# -- the command line as users meet it -----------------------------------------------------------------------

#: Words that stay as they are in Chinese text: the program, file kinds, settings keys and ids.
KEPT = {"materials", "pdf", "csv", "xlsx", "png", "zip", "toml", "md", "faq", "qr", "url", "https", "http",
        "utf", "id", "ok"}
#: Spans that are not prose: quotes, options, paths, keys, lists of values (web,print,venues), placeholders for
#: values, upper-case metavars.
NOT_PROSE = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|“[^”]*”|‘[^’]*’|--?[\w-]+|\S*[/.@_=:,]\S*|\b[A-Z0-9_,-]{2,}\b|"
                       r"\[[a-z_.]+\]|<[^>]*>")


def _command_names() -> set[str]:
    """The commands' own names (`build`, `keys new` ...): typed as they are, like option names."""
    from materials.cli import cli

    names = set(cli.commands)
    for command in cli.commands.values():
        names |= set(getattr(command, "commands", {}))
    return names


def english_words(text: str, keys: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English words of `text` outside what stays as it is; `keys`: a campaign's keys and ids (heping)."""
    kept = KEPT | _command_names() | {k.lower() for k in keys}
    words = []
    # A quoted example that click's help wraps onto the next line is still quoted.
    text = re.sub(r"“[^”]*”", lambda m: " " + "\n" * m.group().count("\n"), text)
    for line in text.splitlines():
        stripped = NOT_PROSE.sub(" ", line)
        words += [w for w in re.findall(r"[A-Za-z]{2,}", stripped) if w.lower() not in kept]
    return words


def run(args: list[str], lang: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(LANG=lang, NO_COLOR="1")
    return subprocess.run(MATERIALS + args, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def commands() -> list[list[str]]:
    from materials.cli import cli

    found = [[]]
    for name, command in sorted(cli.commands.items()):
        found.append([name])
        for sub in sorted(getattr(command, "commands", {})):
            found.append([name, sub])
    return found


@pytest.mark.parametrize("command", commands(), ids=lambda c: " ".join(c) or "materials")
def test_help_is_chinese_under_a_chinese_locale(command):
    shown = run([*command, "--help"], "zh_CN.UTF-8")
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"[\u4e00-\u9fff]", shown.stdout)
    assert english_words(shown.stdout) == [], shown.stdout


def test_help_stays_english_under_the_c_locale():
    shown = run(["--help"], "C.UTF-8")
    assert "Usage:" in shown.stdout and "Show this message and exit." in shown.stdout
    assert not re.search(r"[\u4e00-\u9fff]", shown.stdout.replace("杭州", ""))


def test_usage_errors_are_chinese_too(tmp_path):
    shown = run(["build", "--no-such-option"], "zh_CN.UTF-8", cwd=tmp_path)
    assert shown.returncode == 2
    assert english_words(shown.stderr) == [], shown.stderr


def test_a_campaign_problem_is_reported_in_chinese(tmp_path):
    (tmp_path / "campaign.toml").write_text("[service]\nurl = 3\n", encoding="utf-8")
    shown = run(["check", "--campaign", str(tmp_path)], "zh_CN.UTF-8")
    assert shown.returncode == 1
    assert "campaign.toml" in shown.stderr
    assert english_words(shown.stderr) == [], shown.stderr


# -- the journey of issue 22, as an office makes it ----------------------------------------------------------

LEDGER = ROOT / "tests" / "venues" / "fixtures" / "ledger.xlsx"


def _campaign_keys(campaign: Path) -> set[str]:
    """District and place-category keys: printed beside their Chinese names, as the office's ledger may use them."""
    from materials.config import load_settings

    settings = load_settings(campaign / "campaign.toml", "campaign.toml")
    return {d.key for d in settings.districts} | set(settings.place_categories) | {
        part for key in settings.place_categories for part in key.split("-")}


@pytest.mark.slow  # new, venues, verify end to end
def test_the_office_journey_speaks_chinese_from_new_campaign_to_verified_poster(tmp_path):
    """Issue 22, "Done when": a fresh campaign, the district's own ledger (a merged title row, 序号/联系人/联系电话
    columns, a totals row, a full-width id, hidden rows), a verified poster and a district key: every line
    printed under LANG=zh_CN.UTF-8 is Chinese (ids, keys and file names stay as they are)."""
    import csv
    import shutil

    printed: list[str] = []

    def step(args: list[str]) -> subprocess.CompletedProcess[str]:
        shown = run(args, "zh_CN.UTF-8", cwd=tmp_path)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        printed.append(shown.stdout + shown.stderr)
        return shown

    made = step(["new", "camp", "--city", "天津", "--city-en", "Tianjin", "--authority", "天津市疫情防控指挥部",
                 "--authority-short", "天津市防控指挥部",
                 "--authority-en", "Tianjin Headquarters of Epidemic Prevention and Control",
                 "--district", "heping=和平区", "--district", "binhai=滨海新区=Binhai New Area",
                 "--service-url", "https://hc.tj.gov.cn/", "--site-url", "https://faq.tj.gov.cn/"])
    assert "新的宣传活动" in made.stdout
    campaign = tmp_path / "camp"
    shutil.copy(LEDGER, tmp_path / "ledger.xlsx")

    rendered = step(["venues", "ledger.xlsx", "--campaign", "camp"])
    assert "表头上方的第 1–2 行是标题" in rendered.stderr
    assert "序号, 联系人, 联系电话" in rendered.stderr and "合计行" in rendered.stderr
    assert "ＨＰ－ＳＱ－００１４ → HP-SQ-0014" in rendered.stderr
    assert "第 9–10 行在工作簿中被隐藏" in rendered.stderr  # hidden and filtered rows: reported, not printed
    # A handful of lines: four notes about the ledger, its one warning, one summary line (no font packs, timings).
    assert len(rendered.stderr.splitlines()) == 5 and "字体包" not in rendered.stderr, rendered.stderr
    assert rendered.stdout.startswith("1 个区的 5 个场所 -> ") and len(rendered.stdout.splitlines()) == 1
    manifest = campaign / "output" / "venue-lists" / "heping-A4" / "manifest.csv"
    with manifest.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["id"] for r in rows) == ["HP-LY-0001", "HP-QY-0001", "HP-SQ-0011", "HP-SQ-0012", "HP-SQ-0014"]
    assert all((manifest.parent / r["file"]).is_file() for r in rows)

    poster = next(r for r in rows if r["id"] == "HP-SQ-0014")
    checked = step(["verify", "--campaign", "camp", poster["code"]])
    assert checked.stdout.startswith("真实的场所码：成都道社区"), checked.stdout
    assert "所属区：和平区（heping）" in checked.stdout

    handed = step(["keys", "new", "--district", "和平区", "--campaign", "camp"])
    assert "已为 和平区（heping）生成密钥 2" in handed.stdout

    text = "\n".join(printed)
    assert re.search(r"[\u4e00-\u9fff]", text)
    assert english_words(text, _campaign_keys(campaign) | {campaign.name}) == [], text  # the folder keeps its name


# -- a campaign's own mistakes, as an office meets them under a Chinese locale ---------------------------------

MINI = ROOT / "tests" / "fixtures" / "mini"
#: Output kinds and the folders a build writes (ids and file names, which stay as they are in Chinese text).
OUTPUT_IDS = re.compile(r"\b(?:print|web|venues|booklet|previews|print-shop|wechat|screens|posters|tips|json)\b")


def broken_mini(tmp_path: Path, name: str, edit) -> Path:
    import shutil

    folder = tmp_path / name
    shutil.copytree(MINI, folder)
    edit(folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _wrong_type_and_unknown_setting(folder: Path) -> None:
    _replace(folder / "campaign.toml", "issued = 2020-03-10", 'issued = "last week"\ncolour = "red"')
    _replace(folder / "campaign.toml", 'en = "Health code test campaign"', "en = 5")


def _broken_front_matter(folder: Path) -> None:
    _replace(folder / "faq" / "en" / "help.md", "\nquestion: ", "\nquestion: [unclosed ")


def _template_syntax_error(folder: Path) -> None:
    (folder / "templates" / "web").mkdir(parents=True)
    (folder / "templates" / "web" / "home.html").write_text(
        '{% extends "base.html" %}\n{% block main %}{% if %}{% endblock %}\n', encoding="utf-8")


def _toml_syntax_error(folder: Path) -> None:
    _replace(folder / "campaign.toml", "issued = 2020-03-10", "issued = = 2020")


@pytest.mark.parametrize(("edit", "args", "expected"), [
    (_wrong_type_and_unknown_setting, [], ["colour", "未知的设置项", "issued", "'last week'", "title.en", "应为文字"]),
    (_broken_front_matter, [], ["faq/en/help.md", "前置元数据不是有效的 YAML"]),
    (_template_syntax_error, [], ["templates/web/home.html", "请修改模板"]),
    (_toml_syntax_error, [], ["campaign.toml", "TOML 语法错误（第 10 列）", "issued = = 2020"]),
    (lambda folder: None, ["--strict"], ["service.url", "--strict"]),  # the mini campaign's placeholder address
], ids=["wrong-type-and-unknown-setting", "broken-front-matter", "template-syntax-error", "toml-syntax-error",
        "placeholder-service-strict"])
def test_a_broken_campaign_is_reported_in_chinese_line_by_line(tmp_path, edit, args, expected):
    folder = broken_mini(tmp_path, "campaign", edit)
    shown = run(["check", "--campaign", str(folder), *args], "zh_CN.UTF-8")
    assert shown.returncode == 1, shown.stdout + shown.stderr
    output = shown.stdout + shown.stderr
    for part in expected:
        assert part in output, output
    for line in output.splitlines():
        assert english_words(line) == [], line


def test_the_same_mistakes_stay_english_under_the_c_locale(tmp_path):
    folder = broken_mini(tmp_path, "campaign", _wrong_type_and_unknown_setting)
    shown = run(["check", "--campaign", str(folder)], "C.UTF-8")
    assert "unknown setting (check its spelling" in shown.stderr
    assert "title.en: Input should be a valid string, not 5" in shown.stderr
    assert not re.search(r"[\u4e00-\u9fff]", shown.stderr.replace("测试", ""))


@pytest.mark.slow  # a whole print build
def test_a_print_build_summarises_in_chinese(tmp_path):
    folder = broken_mini(tmp_path, "campaign", lambda folder: None)
    shown = run(["build", "--only", "print", "--campaign", str(folder), "--out", str(tmp_path / "out")],
                "zh_CN.UTF-8")
    assert shown.returncode == 0, shown.stderr
    summary = shown.stdout.splitlines()
    assert summary[-1].startswith("已生成 print，用时 ") and "1 个警告" in summary[-1], shown.stdout
    assert re.match(r"print：\d+ 个文件（.*），用时 [\d.]+ 秒：", summary[0]), shown.stdout
    for line in (shown.stdout + shown.stderr).splitlines():
        assert english_words(OUTPUT_IDS.sub(" ", line)) == [], line


def _pydantic_errors() -> list[dict]:
    """Real pydantic errors of the kinds a settings file meets: one model, every field wrong."""
    from datetime import date
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    class Table(BaseModel):
        model_config = ConfigDict(extra="forbid")
        count: int
        share: float
        flag: bool
        name: str
        kind: Literal["poster", "tip", "card"]
        above: int = Field(gt=0)
        at_least: int = Field(ge=1)
        below: int = Field(lt=10)
        at_most: int = Field(le=9)
        words: list[str] = Field(min_length=2, max_length=3)
        short: str = Field(min_length=2, max_length=4)
        table: dict[str, str]
        day: date
        required: str

    with pytest.raises(ValidationError) as info:
        Table.model_validate({"count": "many", "share": "half", "flag": "perhaps", "name": 5, "kind": "sign",
                              "above": 0, "at_least": 0, "below": 10, "at_most": 10, "words": ["one"],
                              "short": "too long here", "table": 3, "day": "last week", "colour": "red"})
    return info.value.errors()


def test_pydantic_errors_keep_their_english_and_have_chinese():
    from materials.schema import validation_message

    errors = _pydantic_errors()
    kinds = {e["type"] for e in errors}
    assert {"int_parsing", "float_parsing", "bool_parsing", "string_type", "literal_error", "greater_than",
            "greater_than_equal", "less_than", "less_than_equal", "too_short", "string_too_long", "dict_type",
            "date_from_datetime_parsing", "missing", "extra_forbidden"} <= kinds
    try:
        i18n.activate({"LANG": "C.UTF-8"})
        for error in errors:
            english = validation_message(error)
            assert english.startswith(error["msg"]), (english, error["msg"])
        i18n.activate({"LANG": "zh_CN.UTF-8"})
        for error in errors:
            chinese = validation_message(error)
            assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
            assert english_words(chinese) == [], (error["type"], chinese)
    finally:
        i18n.activate()
