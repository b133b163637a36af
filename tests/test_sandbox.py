"""Templates are untrusted (campaign folders travel between offices): every template environment is
sandboxed, so no template a campaign can override runs a command, reads a file or reaches the signing key.

The known escapes are tried against every environment (web, print, proof, the venue engine), and one
escape is put into every built-in template a campaign can override and run through the real command that
renders it: the run fails naming the template, nothing ran, nothing was published.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from materials import campaign as campaign_module
from materials import keys, templating
from materials.errors import MaterialsError, TemplateProblem
from materials.venues import links

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KEY = bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))

#: Known ways out of a plain Jinja environment; {s} is a file each would create if it ran.
ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('touch {s}').read() }}",
    "{{ self.__init__.__globals__.__builtins__.open('{s}', 'w') }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].system('touch {s}') }}",
    "{{ namespace.__init__.__globals__.os.system('touch {s}') }}",
    "{{ joiner.__init__.__globals__.os.system('touch {s}') }}",
    "{{ '{0.__class__.__mro__}'.format(cycler) }}",
    "{{ '{0.__init__.__globals__}'.format_map(namespace) }}",
    "{{ cycler|attr('__init__')|attr('__globals__') }}",
    # CVE-2024-56326 (a format method called indirectly) and CVE-2025-27516 (format reached through |attr):
    # fixed in Jinja 3.1.5 and 3.1.6, the lowest version pyproject.toml allows.
    "{% set f = '{0.__init__.__globals__}'.format %}{{ f(cycler) }}",
    "{{ '{0.__init__.__globals__}'|attr('format')(cycler) }}",
    "{{ ('{0.__init__.__globals__}'|attr('format_map'))({'0': cycler}) }}",
    "{{ (range|attr('__self__')) }}",
    "{{ dict.__base__.__subclasses__() }}",
    "{% set d = {} %}{{ d.update(a=1) }}{{ d.clear() }}",
    "{{ 'x' * 1000000000 }}",
    "{{ 10 ** 100000000 }}",
    # Widths build values as large as `*` does (red team F4): refused the same way, never a MemoryError.
    "{{ '%*s'|format(100000000, 'x') }}",
    "{{ '%100000000s'|format('x') }}",
    "{{ '%(a)100000000s'|format(a='x') }}",
    "{{ '%100000000s' % 'x' }}",
    "{{ '%*s' % (100000000, 'x') }}",
    "{{ 'x'|center(100000000) }}",
    "{{ 'x'|indent(100000000, true) }}",
    "{{ '{:>100000000}'.format('x') }}",
    "{{ '{:.100000000f}'.format(1.5) }}",
    "{{ '{:{w}}'.format('x', w=100000000) }}",
    "{{ '{0:>100000000}'.format_map(['x']) }}",
    "{{ 'x'.rjust(100000000) }}",
    "{{ 'x'.center(100000000) }}",
    "{{ 'x'.zfill(100000000) }}",
    # Red team 2, #5: methods and filters that build a value from others, never a MemoryError.
    "{{ ('x' * 1000000).replace('x', 'x' * 1000) }}",
    "{{ ('x' * 1000000)|replace('x', 'x' * 1000) }}",
    "{{ ('x' * 1000).join(['x' * 1000000] * 1000) }}",
    "{{ (['x' * 1000000] * 1000)|join }}",
]
#: The same against the campaign objects every web, print and proof template gets.
CAMPAIGN_ESCAPES = [
    "{{ campaign.root.joinpath('keys/venue.key').read_text() }}",
    "{{ (campaign.root / 'keys' / 'venue.key').read_bytes() }}",
    "{{ campaign.faqs['en'][0].path.read_text() }}",
    "{{ campaign.faqs['en'][0].path.parent.parent.parent.joinpath('keys/venue.key').read_text() }}",
    "{{ settings.__class__.__init__.__globals__ }}",
    "{{ t.__self__.root }}",
    "{{ service_link.__func__.__globals__['os'].system('touch {s}') }}",
    "{{ campaign.relative.__globals__ }}",
    "{{ '{0.root}'.format(campaign) }}",
]


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    target = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", target)
    with (target / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nkey_file = "keys/venue.key"\n')
    links.write_key_file(target / "keys" / "venue.key", [links.Key(1, KEY)])
    return target


def _environments(root: Path) -> dict[str, object]:
    from materials.venues import static
    from materials.venues.plan import poster_context

    campaign = campaign_module.load(root)
    envs: dict[str, object] = {kind: templating.environment(campaign, kind) for kind in ("web", "print", "proof")}
    envs["venues"] = static.environment((), 1.0, poster_context(campaign, "A4"))
    return envs


@pytest.mark.parametrize("escape", ESCAPES + CAMPAIGN_ESCAPES)
def test_every_environment_refuses_known_escapes(campaign_dir: Path, tmp_path: Path, escape: str) -> None:
    sentinel = tmp_path / "ran"
    for kind, env in _environments(campaign_dir).items():
        if kind == "venues" and escape in CAMPAIGN_ESCAPES:
            continue  # the venue engine gets no campaign objects (its jobs run on remote workers)
        with pytest.raises(TemplateProblem) as refused, templating.template_errors():
            env.from_string(escape.replace("{s}", str(sentinel))).render()  # type: ignore[attr-defined]
        assert "fix the template" in str(refused.value) or "sandbox" in str(refused.value), (kind, refused.value)
        assert not sentinel.exists(), (kind, escape)


def test_sandbox_keeps_what_templates_need(campaign_dir: Path) -> None:
    env = templating.environment(campaign_module.load(campaign_dir), "web")
    text = env.from_string("{{ '{:>4}'.format(7) }} {{ 'ab' * 3 }} {{ campaign.languages|join(',') }} "
                           "{{ settings.service.url }} {{ service_link('portal') }} {{ '<b>' }}").render()
    assert text.startswith("   7 ababab zh-CN,en https://") and "&lt;b&gt;" in text
    widths = env.from_string("{{ '%3s'|format(1) }}|{{ 'a'|center(3) }}|{{ '%-3d' % 2 }}|{{ 'b'.rjust(2) }}|"
                             "{{ '{:05.1f}'.format(2.25) }}|{{ 'c'|indent(2, true) }}").render()
    assert widths == "  1| a |2  | b|002.2|  c"


#: Templates rendered only once every poster is laid out (the order sheet, the WeChat texts, the screens'
#: playlist): poisoning one costs a whole print build (10 s), so `make quick` leaves them out.
AFTER_LAYOUT = {"print/order.html.j2", "print/playlist.html.j2", "print/wechat-article.html.j2",
                "print/wechat-note.txt.j2"}


def _overridable() -> list[Any]:
    """Every built-in template a campaign can override, as `<kind>/<name>`."""
    names: list[Any] = []
    for kind in templating.template_kinds():
        for path in sorted((templating.BUILTIN / kind).rglob("*")):
            if path.is_file() and path.name.endswith(templating.TEMPLATE_SUFFIXES):
                name = f"{kind}/{path.relative_to(templating.BUILTIN / kind).as_posix()}"
                names.append(pytest.param(name, marks=pytest.mark.slow) if name in AFTER_LAYOUT else name)
    return names


def _poison(source: str, payload: str) -> str:
    """The payload where the template really renders it: inside its first block when it extends another."""
    if "{% extends" in source or "{%- extends" in source:
        return re.sub(r"({%-? block \w+ -?%})", lambda m: m.group(1) + payload, source, count=1)
    return payload + source


@pytest.mark.parametrize("name", _overridable())
def test_every_overridable_template_is_sandboxed(campaign_dir: Path, tmp_path: Path, name: str) -> None:
    """`materials build` / `venues` / `proof` with an escape in one template: refused naming it, nothing
    ran, no output (and so no key) published."""
    from materials.build import build
    from materials.proof import write_proof
    from materials.venues.run import Options, run_into

    kind = name.split("/")[0]
    if kind == "print":  # the fixture with posters, tips and every channel (the mini campaign has FAQs only)
        shutil.copytree(FIXTURES / "trilingual", campaign_dir, dirs_exist_ok=True)
        settings = campaign_dir / "campaign.toml"
        settings.write_text(settings.read_text(encoding="utf-8").replace(
            'poster_sizes = ["A4"]', 'poster_sizes = ["A4", "billboard"]'), encoding="utf-8")
    if name == "web/notice.html":  # the notice's page is made only for a campaign that has the notice
        shutil.copytree(FIXTURES.parent.parent / "notice", campaign_dir / "notice")
    if name == "web/redirect.html":  # redirect pages are made only for a question's former ids
        for lang in ("en", "zh-CN"):
            page = campaign_dir / "faq" / lang / "green.md"
            page.write_text(page.read_text(encoding="utf-8").replace("order: 2\n", "order: 2\nredirect_from: "
                                                                     "[\"old-green\"]\n", 1), encoding="utf-8")
    sentinel = tmp_path / "ran"
    command = f"touch {sentinel}; cat {campaign_dir / 'keys' / 'venue.key'}"
    # Names built while rendering, so only the sandbox itself can refuse them (check's reading finds `.__init__`).
    payload = "{{ (cycler|attr('__in' ~ 'it__')|attr('__glo' ~ 'bals__'))['os'].popen('" + command + "').read() }}"
    own = campaign_dir / "templates" / name
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(_poison((templating.BUILTIN / name).read_text(encoding="utf-8"), payload), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(MaterialsError) as refused:
        if kind == "proof":
            write_proof(campaign_dir, out / "proof.pdf")
        elif kind == "venues":
            (tmp_path / "list.csv").write_text("id,name,district,category,address\nHP-1,A,和平区,社区,x\n",
                                               encoding="utf-8")
            run_into(campaign_module.load(campaign_dir), tmp_path / "list.csv", out, Options(screens=True))
        else:
            build(campaign_dir, out, only=kind)
    message = str(refused.value.message)
    assert "sandbox" in message and Path(name).name in message, message
    assert not sentinel.exists()
    published = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not any(KEY.hex() in p.read_bytes().decode("latin-1") for p in published)
    if kind != "venues":  # a venue run keeps the posters it finished (it resumes), a build publishes nothing
        assert not any(p.suffix in (".html", ".pdf", ".png") for p in published), published


def test_check_names_python_internals_in_a_template(campaign_dir: Path) -> None:
    """`check` reads the campaign's templates: the usual escapes are named with file and line before any
    render (the sandbox refuses them anyway)."""
    from materials.build import check

    own = campaign_dir / "templates" / "web" / "404.html"
    own.parent.mkdir(parents=True)
    own.write_text('{% extends "base.html" %}\n{% block main %}\n{{ cycler.__init__ }}\n'
                   "{{ x['__class__'] }} {{ y|attr('_z') }} {{ a.at_b }} {{ 'card__title' }}\n{% endblock %}\n",
                   encoding="utf-8")
    with pytest.raises(MaterialsError) as refused:
        check(campaign_dir)
    message = str(refused.value.message)
    assert "templates/web/404.html line 3: .__init__ reaches Python internals" in message
    assert "line 4: ['__class__']" in message and "line 4: |attr('_z')" in message
    assert "at_b" not in message and "card__title" not in message


def test_template_outside_the_campaign_is_refused(campaign_dir: Path, tmp_path: Path) -> None:
    """A template that is a symbolic link to a file elsewhere (the key, ~/.ssh) is not read."""
    from materials.build import build, check

    own = campaign_dir / "templates" / "web"
    own.mkdir(parents=True)
    (own / "404.html").symlink_to(campaign_dir / "keys" / "venue.key")
    with pytest.raises(MaterialsError, match="outside the templates folder"):
        check(campaign_dir)
    with pytest.raises(MaterialsError, match="outside the templates folder"):
        build(campaign_dir, tmp_path / "out", only="web")


@pytest.mark.parametrize(("files", "loop"), [
    ({"web/404.html": '{% include "404.html" %}'}, "404.html -> 404.html"),
    ({"web/base.html": '{% include "a.html" %}', "web/a.html": '{% import "base.html" as b %}'},
     "base.html -> a.html -> base.html"),
])
def test_template_loop_is_one_clear_error(campaign_dir: Path, tmp_path: Path, files: dict[str, str],
                                          loop: str) -> None:
    """A template that includes itself: `check` names the loop, `build` too, never a RecursionError."""
    from materials.build import build, check

    for name, text in files.items():
        (campaign_dir / "templates" / name).parent.mkdir(parents=True, exist_ok=True)
        (campaign_dir / "templates" / name).write_text(text, encoding="utf-8")
    with pytest.raises(MaterialsError) as checked:
        check(campaign_dir)
    assert loop in str(checked.value.message) and "templates/web/" in str(checked.value.message)
    with pytest.raises(MaterialsError) as built:
        build(campaign_dir, tmp_path / "out", only="web")
    assert "loop" in str(built.value.message)


def test_dynamic_include_loop_is_caught_when_rendering(campaign_dir: Path) -> None:
    """A loop `check` cannot see (the name is computed) still ends as one message, not a RecursionError."""
    own = campaign_dir / "templates" / "web"
    own.mkdir(parents=True)
    (own / "again.html").write_text('{% include "again" ~ ".html" %}', encoding="utf-8")
    env = templating.environment(campaign_module.load(campaign_dir), "web")
    with pytest.raises(TemplateProblem, match="in a loop"), templating.template_errors():
        env.get_template("again.html").render()


def test_no_plain_jinja_environment_in_the_package() -> None:
    """Every template environment is the sandbox: no module makes a plain `jinja2.Environment`."""
    package = Path(templating.__file__).parent
    plain = [str(p) for p in package.rglob("*.py")
             if re.search(r"jinja2\.(Environment|Template)\(|from jinja2 import .*\b(Environment|Template)\b",
                          p.read_text(encoding="utf-8"))]
    assert not plain


@pytest.mark.parametrize("kind", ["proof", pytest.param("print", marks=pytest.mark.slow)])
def test_no_template_attaches_or_loads_the_key(campaign_dir: Path, tmp_path: Path, kind: str) -> None:
    """HTML needs no Python to reach a file: `<a rel="attachment">` embeds any file WeasyPrint may fetch
    into the PDF. A signing key is never served to WeasyPrint, wherever in the campaign it lies."""
    from materials.build import build
    from materials.proof import write_proof

    key = campaign_dir / "keys" / "venue.key"
    tag = f'<a rel="attachment" href="{key.as_uri()}">k</a><link rel="stylesheet" href="{key.as_uri()}">'
    if kind == "print":
        shutil.copytree(FIXTURES / "trilingual", campaign_dir, dirs_exist_ok=True)
        name = "print/sign.html.j2"
        lines = (templating.BUILTIN / name).read_text(encoding="utf-8").split("\n")
        index = next(i for i, line in enumerate(lines) if line.startswith("<section"))
        lines[index] += tag
        source = "\n".join(lines)
    else:
        name = "proof/proof.html.j2"
        source = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + tag,
                        (templating.BUILTIN / name).read_text(encoding="utf-8"), count=1)
    own = campaign_dir / "templates" / name
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(MaterialsError,
                       match="it holds a line of a venue signing key file, which never goes into any output"):
        if kind == "proof":
            write_proof(campaign_dir, out / "proof.pdf")
        else:
            build(campaign_dir, out, only="print")
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not any(KEY.hex().encode() in p.read_bytes() for p in written)


def test_fetcher_key_mark_is_the_key_files_magic() -> None:
    from materials import keys

    assert f"{links.KEY_MAGIC} ".encode() == keys.KEY_MARK


def test_printing_campaign_objects_never_writes_the_host_path(campaign_dir: Path) -> None:
    """`{{ campaign }}` and a question's repr go into published output: the title, never the folder's path on
    this machine."""
    campaign = campaign_module.load(campaign_dir)
    env = templating.environment(campaign, "web")
    text = env.from_string("{{ campaign }}|{{ campaign.faqs }}|{{ campaign.faqs['en'][0] }}|{{ campaign|string }}"
                           "|{{ [campaign]|join(',') }}").render()
    assert str(campaign_dir) not in text and str(campaign_dir.name) not in text and "PosixPath" not in text, text
    assert text.startswith(campaign.settings.title[campaign.primary_language] + "|")


# --- red team 3 -----------------------------------------------------------------------------------------------

def test_a_hard_link_to_the_key_is_never_read_as_a_template(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 3, #3: `ln keys/venue.key templates/web/k.html` and `{% include "k.html" %}` published the key:
    a hard link lies inside the templates folder and is no symbolic link. `check`, `build` and the loader itself
    refuse it, naming the file and what to do; the key is in no output."""
    from materials.build import build, check

    own = campaign_dir / "templates" / "web"
    own.mkdir(parents=True)
    (own / "404.html").write_text('{% extends "base.html" %}{% block main %}<pre>{% include "k.html" %}</pre>'
                                  "{% endblock %}", encoding="utf-8")
    (own / "k.html").hardlink_to(campaign_dir / "keys" / "venue.key")
    with pytest.raises(MaterialsError, match=r"templates/web/k\.html: has 2 hard links .* replace the link with a"):
        check(campaign_dir)
    with pytest.raises(MaterialsError, match="has 2 hard links"):
        build(campaign_dir, tmp_path / "out", only="web")
    env = templating.environment(campaign_module.load(campaign_dir), "web")
    with pytest.raises(TemplateProblem, match=r"k\.html has 2 hard links"), templating.template_errors():
        env.from_string('{% include "k.html" %}').render()
    # A copy of the key (one link) is refused by what it holds.
    (own / "k.html").unlink()
    shutil.copy(campaign_dir / "keys" / "venue.key", own / "k.html")
    with pytest.raises(TemplateProblem, match="holds a line of a venue signing key file"), templating.template_errors():
        env.get_template("k.html").render()
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()] if (tmp_path / "out").exists() else []
    assert not any(KEY.hex().encode() in p.read_bytes() for p in written)


def test_a_symbolic_link_template_is_named_by_the_link(campaign_dir: Path) -> None:
    """Red team 3, #13: the refusal named the link's target (the key's path), not the template the user has."""
    own = campaign_dir / "templates" / "web"
    own.mkdir(parents=True)
    (own / "k.html").symlink_to(campaign_dir / "keys" / "venue.key")
    env = templating.environment(campaign_module.load(campaign_dir), "web")
    with pytest.raises(TemplateProblem) as refused, templating.template_errors():
        env.from_string('{% include "k.html" %}').render()
    assert f"template {own / 'k.html'} is a link to" in str(refused.value), refused.value
    from materials.build import check

    with pytest.raises(MaterialsError) as checked:
        check(campaign_dir)
    assert "templates/web/k.html: is a link to" in str(checked.value.message), checked.value.message
    assert "keys/venue.key: is a link" not in str(checked.value.message)


@pytest.mark.parametrize(("source", "fragment"), [
    ("{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n > 5 }}",
     "a number of about"),
    ("{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n ** 2 %}{% endfor %}",
     "a number of about"),
    ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "loop turns"),
    pytest.param("{% for i in range(9) recursive %}{% if loop.depth < 30 %}{{ loop(range(9)) }}{% endif %}"
                 "{% endfor %}", "loop turns", marks=pytest.mark.slow),  # 15 s to reach the bound
    ("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}", "loop turns"),
    # Red team 4, D2: one `wordwrap(1)` on a million characters took 7.5 s, and nothing bounded the calls.
    ('{% set s = "x" * 999999 %}{{ s|wordwrap(1)|length }}', "the filter wordwrap was given more text"),
    ('{% set s = "x" * 99999 %}{% for i in range(40) %}{{ s|wordwrap(1)|length }}{% endfor %}',
     "the filter wordwrap was given more text"),
    ('{% set s = "x " * 499999 %}{% for i in range(40) %}{{ s|urlize|length }}{% endfor %}',
     "the filter urlize was given more text"),
    # Red team 6, D6: lipsum, slice, batch and tojson told to make a huge amount ran for minutes or ran out of
    # memory: their counts are bounded like widths, and lipsum's words are charged to the page's steps.
    ("{{ lipsum(n=10**7)|length }}", "lipsum would make up to 1,000,000,000 words"),
    ("{{ lipsum(20000)|length }}", "lipsum would make up to 2,000,000 words"),
    ("{% for i in range(100) %}{{ lipsum(900)|length }}{% endfor %}", "lipsum would make up to 90,000 words"),
    ("{{ ([1]|slice(10**8, 0))|list|length }}", "a value of 100,000,000 items is too large"),
    pytest.param("{% for i in range(5) %}{{ ([1]|slice(10**6, 0))|list|length }}{% endfor %}", "loop turns",
                 marks=pytest.mark.slow),  # 10 s to reach the bound
    ("{{ ([1]|batch(10**9, 0)|first)|length }}", "a value of 1,000,000,000 items is too large"),
    ("{{ [1,2]|tojson(indent=10**8)|length }}", "a width or precision of 100,000,000 is too large"),
    ("{{ ([0]*1000)|tojson(indent=30000)|length }}", "a value of 30,003,002 characters is too large"),
])
def test_a_template_that_would_run_for_hours_is_stopped(campaign_dir: Path, source: str, fragment: str) -> None:
    """Red team 3, #4: a number squared in a loop, nested loops, a macro calling itself twice per call: each ran
    with no end. Numbers are bounded like strings, and a render's loop turns and calls are counted; the render
    stops within seconds (a 60-second alarm fails a regression instead of hanging the suite)."""
    import signal

    def too_slow(*_args: object) -> None:
        raise AssertionError("the template was not stopped within 60 s")

    env = templating.environment(campaign_module.load(campaign_dir), "web")
    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(60)
    try:
        with pytest.raises(TemplateProblem) as refused, templating.template_errors():
            env.from_string(source).render()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "refused by the template sandbox" in str(refused.value) and fragment in str(refused.value), refused.value
    assert "line 1" in str(refused.value)


def test_the_step_count_leaves_real_pages_alone(campaign_dir: Path) -> None:
    """The bound counts per render: many ordinary pages in a row, and a loop of 100,000 turns, all render."""
    env = templating.environment(campaign_module.load(campaign_dir), "web")
    page = env.from_string("{% for i in range(100000) %}{% endfor %}{% for q in campaign.faqs['en'] %}"
                           "{{ loop.index }}/{{ loop.length }} {% endfor %}{{ 2 ** 64 * 3 ** 40 }}")
    for _ in range(60):
        assert page.render().startswith("1/3 2/3 3/3")
    wrapped = env.from_string('{{ ("word " * 2000)|wordwrap(40)|wordcount }} {{ "see https://a.example"|urlize }}')
    assert wrapped.render().startswith("2000 see <a href")
    made = env.from_string("{{ lipsum(3, false)|wordcount > 20 }} {{ [1, 2, 3, 4, 5]|slice(2)|list }} "
                           "{{ [1, 2, 3]|batch(2, 0)|list }} {{ {'a': [1]}|tojson(indent=2) }} {{ lipsum(1) }}")
    text = made.render()
    assert text.startswith('True [[1, 2, 3], [4, 5]] [[1, 2], [3, 0]] {\n  "a": [\n    1\n  ]\n} <p>'), text


def _poster_with_image(campaign_dir: Path, name: str, data: bytes) -> None:
    shutil.copytree(FIXTURES / "trilingual", campaign_dir, dirs_exist_ok=True)
    (campaign_dir / "posters" / "images").mkdir(exist_ok=True)
    (campaign_dir / "posters" / "images" / name).write_bytes(data)
    poster = campaign_dir / "posters" / "apply.md"
    poster.write_text(poster.read_text(encoding="utf-8").replace("icon: scan\n", f"icon: scan\nimage: images/{name}\n",
                                                                 1), encoding="utf-8")


def _png(colour: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.slow  # a print build
def test_a_poster_with_an_image_renders_it(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 3, #5: `image: images/ok.png` made the sandbox refuse the built-in sign.html.j2 (it read the
    image's path object). The template gets the picture's address; the poster prints the picture."""
    import pypdfium2

    from materials.build import build, check

    _poster_with_image(campaign_dir, "ok.png", _png((230, 0, 120)))
    check(campaign_dir)
    build(campaign_dir, tmp_path / "out", only="print")
    posters = sorted((tmp_path / "out" / "print").rglob("apply-*.pdf"))
    assert posters
    pdf = pypdfium2.PdfDocument(posters[0])
    image = pdf[0].render(scale=0.5).to_pil().convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24) or []
    assert any(r > 200 and g < 40 and 90 < b < 150 for _count, (r, g, b) in colours), \
        "the picture's magenta is nowhere on the poster"


@pytest.mark.parametrize("body", [
    '<image href="file:///etc/passwd" width="40" height="30"/>',
    '<image xlink:href="http://example.org/x.png" width="40" height="30"/>',
    '<image href="../../keys/venue.key" width="40" height="30"/>',
    '<rect width="40" height="30" style="fill:url(http://example.org/p.svg#a)"/>',
    '<style>@import "https://example.org/x.css";</style>',
])
def test_an_svg_picture_reaching_outside_itself_is_refused(campaign_dir: Path, body: str) -> None:
    """An SVG poster picture that links a file or the network: WeasyPrint's fetcher refuses the link, but then
    silently prints the poster without the picture. `check` refuses the picture, naming the poster and the link."""
    from materials.build import check

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" '
           f'height="30">{body}</svg>')
    _poster_with_image(campaign_dir, "evil.svg", svg.encode())
    with pytest.raises(MaterialsError) as refused:
        check(campaign_dir)
    assert "posters/apply.md" in str(refused.value.message) and "an SVG picture must hold everything it draws" in \
        str(refused.value.message), refused.value.message


_INNER_SVG = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image '
                              b'href="file:///etc/passwd" width="10" height="10"/></svg>').decode()


@pytest.mark.parametrize(("body", "fragment"), [
    (f'<image href="data:image/svg+xml;base64,{_INNER_SVG}" width="40" height="30"/>',
     "holds another SVG picture inside it"),
    (f'<rect width="40" height="30" style="fill:url(&quot;data:image/svg+xml;base64,{_INNER_SVG}&quot;)"/>',
     "holds another SVG picture inside it"),
    ('<rect width="40" height="30" style="fill:\\75 rl(file:///etc/passwd)"/>', "has a CSS escape"),
    ('<style>rect { fill: \\75 rl("https://example.org/x.svg#a") }</style><rect width="40" height="30"/>',
     "has a CSS escape"),
])
def test_an_svg_picture_hiding_a_reference_is_refused_by_check(campaign_dir: Path, tmp_path: Path, body: str,
                                                               fragment: str) -> None:
    """Red team 5: an SVG with a nested SVG in a data: URI passed `check`, and the build then failed with "no QR
    code could be read" (the renderer dropped the picture); a CSS escape (`\\75 rl(` is `url(`) hid a link from
    the check, stopped only by the renderer. `check` and `build` refuse both, naming the poster, the picture and
    what to do."""
    from materials.build import build, check

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" '
           f'height="30">{body}</svg>')
    _poster_with_image(campaign_dir, "nested.svg", svg.encode())
    for run in (lambda: check(campaign_dir), lambda: build(campaign_dir, tmp_path / "out", only="print")):
        with pytest.raises(MaterialsError) as refused:
            run()
        message = str(refused.value.message) + "".join(str(p) for p in getattr(refused.value, "problems", []))
        assert "posters/apply.md" in message and "nested.svg" in message and fragment in message, message
        assert "export it as PNG" in message, message


def test_an_svg_with_entities_is_refused(campaign_dir: Path) -> None:
    from materials.build import check

    svg = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><text y="20">&x;</text></svg>')
    _poster_with_image(campaign_dir, "entity.svg", svg.encode())
    with pytest.raises(MaterialsError, match="refers to '<!DOCTYPE'"):
        check(campaign_dir)


def test_the_fetcher_refuses_a_hard_linked_file(campaign_dir: Path, tmp_path: Path) -> None:
    """An image or stylesheet with another name elsewhere (`<a rel="attachment">` would embed it in a PDF)."""
    from materials.fetcher import RefusedResource, url_fetcher

    picture = campaign_dir / "picture.png"
    picture.write_bytes(_png((0, 0, 0)))
    fetcher = url_fetcher([campaign_dir], "test")
    fetcher.fetch(picture.as_uri())  # one name: served
    (tmp_path / "elsewhere.png").hardlink_to(picture)
    with pytest.raises(RefusedResource, match="has 2 hard links"):
        fetcher.fetch(picture.as_uri())


def test_a_hard_linked_poster_image_is_refused(campaign_dir: Path, tmp_path: Path) -> None:
    from materials.build import check

    _poster_with_image(campaign_dir, "ok.png", _png((0, 0, 0)))
    (tmp_path / "elsewhere.png").hardlink_to(campaign_dir / "posters" / "images" / "ok.png")
    with pytest.raises(MaterialsError, match=r"posters/apply\.md line 2: image: has 2 hard links"):
        check(campaign_dir)


def test_serve_never_hands_out_a_hard_link_to_the_key(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 3, #9: a hard link to the key inside the served site got 200 (symbolic links already got 404).
    A file holding a key is a 404 whatever its name; the site's other files, the print downloads among them
    (hard links to the print files), are served."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import urllib.error
    import urllib.request

    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-c", "from materials.cli import main; main()", "serve", "--campaign",
                                str(campaign_dir), "--out", str(out), "--port", "0", "--no-watch"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "NO_COLOR": "1"}, start_new_session=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"serving (\S+) at (http://\S+?)/? ", line)
        assert match, line + process.communicate(timeout=60)[1]
        site, url = Path(match.group(1)), match.group(2).rstrip("/")
        os.link(campaign_dir / "keys" / "venue.key", site / "k2.txt")
        (site / "assets" / "k3.css").hardlink_to(campaign_dir / "keys" / "venue.key")
        (site / "plain.txt").write_text("hello", encoding="utf-8")
        os.link(site / "plain.txt", tmp_path / "plain-elsewhere.txt")
        # Red team 4, D4: the key copied out of its file as bare hex, in either case, with or without spacing.
        (site / "hex.txt").write_text(KEY.hex() + "\n", encoding="ascii")
        (site / "HEX.txt").write_text(KEY.hex().upper(), encoding="ascii")
        (site / "spaced.txt").write_text(" ".join(KEY.hex()[i:i + 8] for i in range(0, 64, 8)), encoding="ascii")
        for name in ("k2.txt", "assets/k3.css", "hex.txt", "HEX.txt", "spaced.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}/{name}", timeout=30)
            assert refused.value.code == 404
            assert KEY.hex().encode() not in refused.value.read().lower()
        # Red team 12 (D12): a FIFO in the site blocked the request's thread for ever; a key across two chunks of
        # a file above the scan's chunk size is still found.
        os.mkfifo(site / "p.html")
        with (site / "big.txt").open("wb") as big:
            big.truncate(keys.SCAN_CHUNK - 20)
            big.seek(keys.SCAN_CHUNK - 20)
            big.write(KEY.hex().encode() + b"\n" + b"." * 1024)
        for name in ("p.html", "big.txt"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{url}/{name}", timeout=30)
            assert refused.value.code == 404
            refused.value.close()
        with urllib.request.urlopen(f"{url}/plain.txt", timeout=30) as answer:
            assert answer.read() == b"hello"
        with urllib.request.urlopen(f"{url}/", timeout=30) as answer:
            assert answer.status == 200
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=60)


# --- red team 5: one test of key material, in every form, through build and serve ------------------------------

def test_a_published_file_holding_the_key_in_any_form_is_refused(campaign_dir: Path, tmp_path: Path,
                                                                 key_form: bytes) -> None:
    """Red team 5: the key's hex hidden in a bigger file, its raw bytes, its base64 were published by `build`:
    only a key file's line at a line's start, or a file of nothing but hex, was caught. Every file a build
    publishes is looked through for the campaign's actual key (hex, raw, base64) and the key-file marker; the
    build is refused naming the file, and nothing is written."""
    from materials.build import build

    own = campaign_dir / "templates" / "web" / "assets"
    own.mkdir(parents=True)
    builtin = (templating.BUILTIN / "web" / "assets" / "search.js").read_bytes()
    (own / "search.js").write_bytes(builtin + b"\n" + key_form + b"\n")
    out = tmp_path / "out"
    with pytest.raises(MaterialsError, match=r"web/assets/search\.js would publish .*signing key.* nothing was "
                                             r"replaced"):
        build(campaign_dir, out, only="web")
    assert not (out / "web").exists()


def test_the_key_hex_in_an_faq_answer_is_refused(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 5: the key's hex pasted into an FAQ answer went onto the published page. Red team 11: it is
    refused when the answer is read, naming the answer and line, before any output is made."""
    from materials.build import build

    answer = campaign_dir / "faq" / "en" / "help.md"
    answer.write_text(answer.read_text(encoding="utf-8") + f"\nReference {KEY.hex()}.\n", encoding="utf-8")
    with pytest.raises(MaterialsError, match=r"faq/en/help\.md line \d+: holds the signing key as hex"):
        build(campaign_dir, tmp_path / "out", only="web")
    assert not (tmp_path / "out" / "web").exists()


# --- red team 6: the key never quoted in a message; check --output runs the build's key scan -------------------

def test_a_setting_naming_the_key_file_is_refused_without_quoting_it(campaign_dir: Path) -> None:
    """Red team 6 (D1): `glossary = ".materials/venue-signing.key"` was read as TOML and its syntax error quoted
    the key file's line, the whole key, on screen, in a CI log and in serve's gallery. A setting (other than the
    key file's own) that names a file holding key material is refused by name; the key is never quoted."""
    from click.testing import CliRunner

    from materials.cli import cli

    settings = campaign_dir / "campaign.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text('glossary = "keys/venue.key"\n' + re.sub(r"(?m)^glossary = .*$", "", text), encoding="utf-8")
    with pytest.raises(MaterialsError, match=r"glossary: keys/venue\.key holds a line of a venue signing key file"
                                             r"; only the key-file setting") as refused:
        campaign_module.load(campaign_dir)
    assert KEY.hex() not in str(refused.value)
    result = CliRunner().invoke(cli, ["check", "--campaign", str(campaign_dir)])
    assert result.exit_code == 1 and "keys/venue.key holds" in result.output, result.output
    assert KEY.hex() not in result.output.lower()


def test_no_message_ever_quotes_key_material() -> None:
    """Red team 6 (D1): every message that quotes a source line (a TOML syntax error, a YAML one, a cell) hides
    key material, once for all in `Problem` and `MaterialsError`: a key file's line, a bare 64-hex run, and a
    known key in any form `keys.key_material` finds."""
    from materials import keys
    from materials.errors import CampaignError, Problem
    from materials.textfiles import toml_problem

    line = f"materials-venue-key 1 {KEY.hex()}"
    try:
        import tomllib

        tomllib.loads(line)
    except tomllib.TOMLDecodeError as error:
        problem = toml_problem("glossary.toml", line, error)
    assert "glossary.toml line 1" in str(problem) and KEY.hex() not in str(problem)
    assert KEY.hex() not in str(Problem("x.csv", 2, "name", f"bad name {KEY.hex().upper()!r}"))
    described = "not `materials-venue-key ID HEX [DISTRICT]`"  # the format, which a message may describe
    assert described in MaterialsError(f"k.key line 1: {described}").message
    keys._KNOWN.add(KEY)
    try:
        for form in (base64.b64encode(KEY).decode(), ":".join(f"{b:02X}" for b in KEY), KEY.hex()[:40] + "Q"):
            message = str(CampaignError([Problem("a.md", 3, None, f"cannot parse {form!r}")]))
            assert form not in message, message  # red team 11: 40 digits of the key are hidden too
        assert base64.b64encode(KEY).decode() not in MaterialsError(f"x {base64.b64encode(KEY).decode()}").message
    finally:
        keys._KNOWN.discard(KEY)


def test_check_output_runs_the_builds_key_scan(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 6 (D8): `check --output` said ok for an output folder holding a copy of the signing key, which a
    build would refuse to publish. It runs the same scan (`keys.published_key_material`) and names the file."""
    from materials.build import build, check

    out = tmp_path / "out"
    build(campaign_dir, out, only="web")
    check(campaign_dir, output=out)
    shutil.copy(campaign_dir / "keys" / "venue.key", out / "web" / "k.txt")
    css = "p { margin: 0 }\n" * 400 + f"/* {KEY.hex()[:32]}\n{KEY.hex()[32:]} */"  # larger than a bare key file
    (out / "web" / "assets" / "note.css").write_text(css, encoding="utf-8")
    check_refuses(campaign_dir, out, ("web/k.txt", "a line of a venue signing key file"),
                  ("web/assets/note.css", "the signing key as hex"))


def check_refuses(campaign_dir: Path, out: Path, *named: tuple[str, str]) -> None:
    """`check --output out` fails naming each (file, why), and never quotes the key."""
    from materials.build import check

    with pytest.raises(MaterialsError) as refused:
        check(campaign_dir, output=out)
    message = str(refused.value)
    for file, why in named:
        assert file in message and why in message, message
    assert KEY.hex() not in message


def test_check_output_and_the_publication_scan_see_links_to_the_key(campaign_dir: Path, tmp_path: Path) -> None:
    """#17 D7: `check --output` passed an output folder holding `web/k.txt -> ../../keys/venue.key`: the key scan
    skipped links, and a web server serves the file a link points to. The scan (`keys.published_key_material`,
    also a build's before it publishes) follows a link to the file it names, whatever its name (`k.pdf` too), and
    `check --output` names every link in an output folder."""
    from materials import keys
    from materials.build import build

    out = tmp_path / "out"
    build(campaign_dir, out, only="web")
    (out / "web" / "k.txt").symlink_to(campaign_dir / "keys" / "venue.key")
    (out / "web" / "assets" / "k.pdf").symlink_to(campaign_dir / "keys" / "venue.key")
    assert {path.name for path, _what in keys.published_key_material(out / "web")} == {"k.txt", "k.pdf"}
    check_refuses(campaign_dir, out, ("web/k.txt", "a line of a venue signing key file"),
                  ("web/assets/k.pdf", "is a symbolic link"))
    for link in (out / "web" / "k.txt", out / "web" / "assets" / "k.pdf"):
        link.unlink()
    (out / "web" / "index.html").rename(tmp_path / "index.html")
    (out / "web" / "index.html").symlink_to(tmp_path / "index.html")  # a link to a harmless file: named too
    check_refuses(campaign_dir, out, ("web/index.html", "is a symbolic link"))


def test_the_fetcher_names_the_private_folder_it_refuses(campaign_dir: Path) -> None:
    """Red team (#17): a venue template's link to .materials/venue-signing.key was refused as "outside the campaign
    folder" though the key lies inside it: the refusal names the private folder instead."""
    from materials.fetcher import RefusedResource, url_fetcher

    private = campaign_dir / ".materials"
    private.mkdir(exist_ok=True)
    (private / "venue-signing.key").write_text("not a key\n", encoding="utf-8")
    fetcher = url_fetcher([campaign_dir / "templates"], "venue template")
    with pytest.raises(RefusedResource, match=r"private \.materials/ folder \(the venue signing key\)"):
        fetcher.fetch((private / "venue-signing.key").as_uri())


@pytest.mark.slow  # scans 200 MB
def test_check_output_scans_a_big_file_in_bounded_memory(campaign_dir: Path, tmp_path: Path) -> None:
    """Red team 12 (D12): `check --output` read a 600 MB file of the output whole to scan it for key material
    (1.3 GB of memory); it is read in chunks. The child's peak memory is measured by a parent of its own: a
    whole read of this 200 MB file would take more than 400 MB (the bytes and their lower-cased copy)."""
    import subprocess
    import sys

    web = tmp_path / "out" / "web"
    web.mkdir(parents=True)
    (web / "index.html").write_text("<html lang=en></html>", encoding="utf-8")
    with (web / "big.bin").open("wb") as big:
        big.truncate(200 * 1024 * 1024)  # sparse
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    cli = [sys.executable, "-c", "from materials.cli import main; main()"]
    done = subprocess.run([sys.executable, "-c", measure, *cli,
                           "check", "--campaign", str(campaign_dir), "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    peak_mb = int(done.stdout.split()[-1]) / 1024
    assert peak_mb < 250, f"check --output peaked at {peak_mb:.0f} MB"
