"""Templates and interface strings, built-in ones overridden file by file by a campaign's own.

The built-in templates live in the top-level `templates/<kind>/` folder, installed as the package
`materials.templates` (pyproject.toml maps the folder) and found through `importlib.resources`, so an installed
wheel and an editable checkout both have them. A campaign's `templates/` folder overrides them
FILE BY FILE, as MkDocs' `custom_dir` does: `templates/web/base.html` replaces the built-in `base.html` and
every other file still comes from the package. Interface strings (`<kind>/strings.toml`, one table per
language) merge key by key instead, so a campaign adds a language with a `[fr]` table of its own.

Autoescaping is on and undefined names are errors (`StrictUndefined`): a typo in a template must fail
the build, not print a blank on 10,000 posters.

Campaign folders travel between offices, so a template is untrusted: every environment is a `Sandbox`
(Jinja's `ImmutableSandboxedEnvironment`: no `__globals__`, `__class__`, `__init__`, no unsafe `format`,
no list or dict mutation), which also refuses every attribute of a path (no `campaign.root.read_text()`),
of a module or of an open file, and operations that would build a huge value (`'x' * 10**9`). Its loader
reads only files inside its folders, after symbolic links are resolved. A refused access is a
`TemplateProblem` naming the template and line, never a Python error.

Context every template gets (documented here, built in one place):
- `campaign`: the `Campaign`; `settings`: its settings as read-only tables, without the settings that name
  files (the key's and the venue list's paths: `PRIVATE_SETTINGS`);
- `t(mapping, lang)`: a per-language text; `service_link(channel)`: the tagged declaration-service URL;
- `language_name(lang)`: a language's own name; `languages`: the campaign languages, primary first;
- `strings[lang]`: the interface texts of the output kind (`<kind>/strings.toml`, merged as above).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.resources
import io
import json
import os
import re
import string
import tomllib
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.compiler
import jinja2.meta
import jinja2.nodes
import jinja2.sandbox
import pydantic
from jinja2.loaders import split_template_path

from materials import registry, safefile
from materials.errors import MaterialsError, Problem, TemplateProblem
from materials.i18n import N_, _
from materials.keys import key_material, source_message, value_key_material
from materials.textfiles import hard_linked, load_toml

if TYPE_CHECKING:
    from materials.campaign import Campaign

STRINGS = "strings.toml"


def _builtin() -> Path:
    root = importlib.resources.files("materials.templates")
    if not isinstance(root, Path):  # a zipped install: Jinja and WeasyPrint need real files
        raise MaterialsError(_("the materials package must be installed as files, not zipped (pip install does)"))
    return root


#: Templates shipped with the tool.
BUILTIN = _builtin()


def template_roots(campaign: Campaign) -> list[Path]:
    """Where templates are looked up, first match wins: the campaign's own `templates/`, then the built-ins."""
    own = own_templates(campaign)
    return [own, BUILTIN] if own else [BUILTIN]


def own_templates(campaign: Campaign) -> Path | None:
    """The campaign's own `templates/` folder, if it has one that is not the built-in folder itself (the
    shipped campaign at the root of a checkout sits beside the built-ins)."""
    own = campaign.root / "templates"
    if not own.is_dir() or own.resolve() == BUILTIN.resolve():
        return None
    return own


def template_file(campaign: Campaign, relative: str) -> Path:
    """The file that serves `relative` (`web/assets/site.css`): the campaign's own, else the built-in one.
    A campaign file that is a link to a file outside its templates folder is refused."""
    for root in template_roots(campaign):
        path = root / relative
        if path.is_file():
            if not path.resolve().is_relative_to(root.resolve()):
                raise TemplateProblem(_("templates/{relative} is a link to {resolve}, outside the "
                                        "templates folder; copy the file into the templates folder instead").format(
                                            relative=relative, resolve=path.resolve()))
            linked = hard_linked(path, f"templates/{relative}", named=True) if root != BUILTIN else None
            if linked is not None:
                raise TemplateProblem(linked)
            return path
    return BUILTIN / relative


#: The files of a template folder that are Jinja templates.
TEMPLATE_SUFFIXES = (".html", ".j2", ".css")
#: Template folders that belong to a command, not to an output kind (`materials proof`).
COMMAND_TEMPLATES = ("proof",)


def template_kinds() -> list[str]:
    """The template folders a campaign overrides: one per output kind (materials/registry.py), and the proof's."""
    return [*registry.kinds(), *COMMAND_TEMPLATES]


def check_templates(campaign: Campaign) -> list[Problem]:
    """What `check` can tell about a campaign's own templates before rendering: syntax errors, links out of
    the templates folder, and templates that include, import or extend each other in a loop (which would
    otherwise only show when rendering recurses without end)."""
    own = own_templates(campaign)
    if own is None:
        return []
    problems: list[Problem] = []
    for kind in template_kinds():
        graph: dict[str, tuple[str, set[str]]] = {}  # name -> (label, names it references)
        for root in reversed(template_roots(campaign)):  # the campaign's own files replace the built-ins
            folder = root / kind
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if not path.is_file() or not path.name.endswith(TEMPLATE_SUFFIXES):
                    continue
                name = path.relative_to(folder).as_posix()
                label = _label(campaign, path) if root == own else f"built-in {kind}/{name}"
                if root == own and not path.resolve().is_relative_to(own.resolve()):
                    problems.append(Problem(label, None, None, _("is a link to {target}, outside the templates "
                                              "folder; copy the file into the templates folder "
                                              "instead").format(target=path.resolve())))
                    graph.pop(name, None)
                    continue
                linked = hard_linked(path, label) if root == own else None
                if linked is not None:
                    problems.append(Problem(label, None, None, linked))
                    graph.pop(name, None)
                    continue
                try:
                    tree = Sandbox().parse(safefile.read_text(path, safefile.TEMPLATE), name, label)
                except safefile.Refused as e:
                    problems.append(Problem(label, None, None, e.reason))
                    graph.pop(name, None)
                    continue
                except jinja2.TemplateSyntaxError as e:
                    problems.append(Problem(label, e.lineno, None, _("{message}; fix the template").format(
                        message=e.message)))
                    graph.pop(name, None)
                    continue
                except (OSError, UnicodeDecodeError) as e:
                    problems.append(Problem(label, None, None, _("cannot read the template ({e})").format(e=e)))
                    continue
                refs = {r for r in jinja2.meta.find_referenced_templates(tree) if r is not None}
                graph[name] = (label, refs)
                if root == own:
                    problems += _internals(tree, label)
        problems += _loops(graph)
    return problems


def _internals(tree: jinja2.nodes.Template, label: str) -> list[Problem]:
    """Names the sandbox will refuse when rendering, found by `check` first: `x.__init__`, `x['__class__']`,
    `x|attr('_private')` (the usual ways out of a plain Jinja environment)."""
    from jinja2 import nodes

    found: list[tuple[int, str, object]] = []  # (line, as written, the name reached)
    for node in tree.find_all(nodes.Getattr):
        found.append((node.lineno, f".{node.attr}", node.attr))
    for item in tree.find_all(nodes.Getitem):
        if isinstance(item.arg, nodes.Const):
            found.append((item.lineno, f"[{item.arg.value!r}]", item.arg.value))
    for flt in tree.find_all(nodes.Filter):
        if flt.name == "attr" and flt.args and isinstance(flt.args[0], nodes.Const):
            found.append((flt.lineno, f"|attr({flt.args[0].value!r})", flt.args[0].value))
    return [Problem(label, line, None, _("{shown} reaches Python internals, which the template sandbox refuses; "
                      "remove it").format(shown=shown)) for line, shown, name in sorted(found, key=lambda f: f[0])
            if isinstance(name, str) and name.startswith("_")]


def _loops(graph: Mapping[str, tuple[str, set[str]]]) -> list[Problem]:
    """One problem per template loop (`a.html -> b.html -> a.html`) that runs through a campaign file."""
    problems: list[Problem] = []
    seen: set[frozenset[str]] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            loop = [*path[path.index(name):], name]
            labels = [graph[n][0] for n in loop[:-1]]
            if frozenset(loop) not in seen and any(not label.startswith("built-in") for label in labels):
                seen.add(frozenset(loop))
                problems.append(Problem(labels[0], None, None, _("templates include, import or extend each other "
                                          "in a loop ({loop}); break the loop").format(loop=' -> '.join(loop))))
            return
        if name not in graph or len(path) > 50:
            return
        for ref in sorted(graph[name][1]):
            visit(ref, [*path, name])

    for start in sorted(graph):
        visit(start, [])
    return problems


#: The largest string, list or number a template may build with `*` or `**`.
MAX_SIZE = 1_000_000
#: The largest text a template may build by joining (`~`, `+`, a call's result, a macro's or block's output) and
#: the largest page it may write: a loop that doubles a string fails here, naming the template, not the machine.
MAX_TEXT = 20_000_000


#: What grew too large, as `_too_long` names it.
_TOO_LARGE = {
    "a text": N_("a text of {size:,} characters is too large for a template (at most {limit:,})"),
    "a value": N_("a value of {size:,} characters is too large for a template (at most {limit:,})"),
    "an output": N_("an output of {size:,} characters is too large for a template (at most {limit:,})"),
    "a text joined with ~": N_("a text joined with ~ of {size:,} characters is too large for a template "
                               "(at most {limit:,})"),
}


def _too_long(size: int, what: str = "a text") -> None:
    if size > MAX_TEXT:
        raise jinja2.sandbox.SecurityError(_(_TOO_LARGE[what]).format(size=size, limit=MAX_TEXT))


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


#: The most loop turns and calls one render may make. A page of the shipped campaign makes a few thousand; nested
#: loops over `range(99999)` or a macro calling itself twice per call would run for hours: they stop here instead,
#: naming the template and line.
MAX_STEPS = 5_000_000
#: The steps made by the render in progress (`_Template.render` starts a count; includes and macros share it).
_STEPS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("materials_template_steps", default=None)


#: A call (a macro's above all) costs about as much as this many loop turns.
CALL_STEPS = 20


class TooLong(jinja2.sandbox.SecurityError):
    """A render that made more than `MAX_STEPS` steps."""


def _step(weight: int = 1, costly: str | None = None) -> None:
    """Charge the render in progress `weight` steps; `costly` names the filter charging them by the text's length."""
    steps = _STEPS.get()
    if steps is None:
        return
    steps[0] += weight
    if steps[0] > MAX_STEPS and costly is not None:
        raise TooLong(_("the filter {filter} was given more text in one page than a page may process "
                        "({limit:,} units, {weight} a character for this filter): apply it to shorter text "
                        "or fewer times").format(filter=costly, limit=MAX_STEPS, weight=COSTLY_FILTERS[costly]))
    if steps[0] > MAX_STEPS:
        raise TooLong(_("more than {limit:,} loop turns in one page (a call counts as {call}): the template "
                        "loops too long").format(limit=MAX_STEPS, call=CALL_STEPS))


class _Counted:
    """An iterable whose every item counts as a step; its length (`loop.length`) is the wrapped one's."""

    def __init__(self, iterable: Any) -> None:
        self.iterable = iterable

    def __len__(self) -> int:
        return len(self.iterable)

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable:
            _step()
            yield item


class _Generator(jinja2.compiler.CodeGenerator):
    """`a ~ b` compiles to a join whose size is checked before it is built (`Sandbox.joined`); a `{% for %}`
    loop's turns are counted (`MAX_STEPS`)."""

    def visit_For(self, node: jinja2.nodes.For, frame: jinja2.compiler.Frame) -> None:
        """`{% for x in items %}` compiles as `for x in environment.counted(items)`."""
        wrapped = isinstance(node.iter, jinja2.nodes.Call) and isinstance(node.iter.node,
                                                                          jinja2.nodes.EnvironmentAttribute)
        if not wrapped:
            node.iter = jinja2.nodes.Call(jinja2.nodes.EnvironmentAttribute("counted", lineno=node.iter.lineno),
                                          [node.iter], [], None, None, lineno=node.iter.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: jinja2.compiler.Frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"environment.joined({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def buffer(self, frame: jinja2.compiler.Frame) -> None:
        """A macro's, call block's or `{% set %}` block's output collects in a `_Buffer`, bounded as it grows."""
        frame.buffer = self.temporary_identifier()
        self.writeline(f"{frame.buffer} = environment.buffer()")


class _Buffer(list[str]):
    """An output buffer that refuses to grow past `MAX_TEXT` (a loop printing a large value 100,000 times)."""

    size = 0

    def append(self, item: str) -> None:
        self.size += len(item)
        _too_long(self.size, "an output")
        super().append(item)

    def extend(self, items: Iterable[str]) -> None:
        for item in items:
            self.append(item)


class _Template(jinja2.Template):
    def render(self, *args: Any, **kwargs: Any) -> str:
        """A page too large to write names its template (the check runs after the template's own frames end).
        Each render counts its loop turns and calls afresh (`MAX_STEPS`)."""
        token = _STEPS.set([0]) if _STEPS.get() is None else None
        try:
            return super().render(*args, **kwargs)
        except jinja2.sandbox.SecurityError as e:
            if _where(e) != "a template" or not isinstance(e, _PageTooLarge):
                raise
            raise jinja2.sandbox.SecurityError(_("{problem}; the page was written by template {name}").format(
                problem=e.message, name=self.filename or self.name)) from None
        finally:
            if token is not None:
                _STEPS.reset(token)


class _PageTooLarge(jinja2.sandbox.SecurityError):
    """A page over `MAX_TEXT`: raised where the page is joined, named with its template by `_Template.render`."""


class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The one template environment: sandboxed, autoescaped, StrictUndefined (see the module docstring)."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _Generator
    template_class = _Template

    @staticmethod
    def buffer() -> _Buffer:
        return _Buffer()

    @staticmethod
    def counted(iterable: Any) -> _Counted:
        return _Counted(iterable)

    @staticmethod
    def concat(parts: Iterable[str]) -> str:
        """A page as the template yields it, counted piece by piece (and every buffer joined)."""
        kept, size = [], 0
        for part in parts:
            size += len(part)
            if size > MAX_TEXT:
                raise _PageTooLarge(_(
                    "a page of more than {limit:,} characters is too large for a template").format(limit=MAX_TEXT))
            kept.append(part)
        return "".join(kept)

    @staticmethod
    def joined(join: Callable[[Iterable[Any]], str], items: tuple[Any, ...]) -> str:
        texts = [item if isinstance(item, str) else str(item) for item in items]
        _too_long(sum(len(text) for text in texts), "a text joined with ~")
        return join(items)

    def __init__(self, loader: jinja2.BaseLoader | None = None, **options: Any) -> None:
        options.setdefault("autoescape", jinja2.select_autoescape(default=True, default_for_string=True))
        super().__init__(loader=loader, undefined=jinja2.StrictUndefined, trim_blocks=True,
                         lstrip_blocks=True, **options)
        # Filters that pad to a width build a value of that width: bounded like `*` (also when Jinja folds a
        # constant expression at compile time, which calls these same filters).
        self.filters.update(center=_center, indent=_indent, format=_format, replace=_replace, join=_join)
        # Filters that walk their text in Python cost the render's steps by its length (`MAX_STEPS`):
        # `wordwrap(1)` on a million characters took 7.5 s a call (red team 4, D2).
        self.filters.update({name: _costed(self.filters[name], name) for name in COSTLY_FILTERS})
        # Filters and globals whose count or indent says how much they build (red team 6, D6: `lipsum(n=10**7)`,
        # `slice(10**8)`, `batch(10**9, 0)`, `tojson(indent=10**8)` ran for minutes or ran out of memory).
        self.filters.update(slice=_slice, batch=_batch, tojson=_tojson)
        self.globals["lipsum"] = _lipsum

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """`'x'.center(10**8)`, `.ljust`, `.rjust`, `.zfill`, `.expandtabs`: the width is bounded like `*`.
        Every call (a macro's too) counts as `CALL_STEPS` steps (`MAX_STEPS`)."""
        _step(CALL_STEPS)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and getattr(__obj, "__name__", "") in _PADDING:
            _check_widths(args, kwargs.values())
        if isinstance(owner, str) and getattr(__obj, "__name__", "") == "replace" and len(args) >= 2:
            _check_replace(owner, *args[:2], *args[2:3])
        if isinstance(owner, str) and getattr(__obj, "__name__", "") == "join" and len(args) == 1:
            args = (_check_join(args[0], owner),)
        result = super().call(__context, __obj, *args, **kwargs)
        _too_long(_size(result), "a value")  # a macro or method that doubles its argument, called in a loop
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """`'{:>100000000}'.format(x)`: a width or precision above the bound is refused before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format_spec(str(value.__self__))
        return wrapped

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, _UNSAFE) or isinstance(value, _UNSAFE):
            return False
        if attr in PRIVATE_SETTINGS and isinstance(obj, pydantic.BaseModel):
            return False  # the key's or the list's path
        if isinstance(value, pydantic.BaseModel) and _holds_private(value):
            return False  # `campaign.settings`: templates read `settings`, which has no file paths
        return super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(getattr(obj, "__self__", None), _UNSAFE):
            return False
        return super().is_safe_callable(obj)

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        """Refuse at once (Jinja returns an undefined that fails later, where `|attr` chains hide why)."""
        raise jinja2.sandbox.SecurityError(_("access to attribute {attribute!r} of {kind!r} object "
                                             "is unsafe").format(attribute=attribute, kind=type(obj).__name__))

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise jinja2.sandbox.SecurityError(_("the power {right!r} is too large for a template").format(right=right))
        if operator == "**" and _is_int(left) and _is_int(right) and right > 0:
            _too_many_bits(left.bit_length() * right)
        if operator == "*" and _is_int(left) and _is_int(right):
            _too_many_bits(left.bit_length() + right.bit_length())  # squaring a number in a loop
        if operator == "*":
            for a, b in ((left, right), (right, left)):
                if isinstance(a, str | bytes | list | tuple) and isinstance(b, int) and len(a) * b > MAX_SIZE:
                    raise jinja2.sandbox.SecurityError(
                        _("a value of {value:,} items is too large for a template (at most {MAX_SIZE:,})").format(
                            value=len(a) * b, MAX_SIZE=MAX_SIZE))
        if operator == "+":
            _too_long(_size(left) + _size(right), "a value")
        result = super().call_binop(context, operator, left, right)
        _too_long(_size(result), "a value")  # `'%s%s' % (s, s)` in a loop
        return result


_UNSAFE = (PurePath, types.ModuleType, io.IOBase)

#: The largest whole number a template may build with `*` or `**`, in bits (about 1,200 decimal digits).
MAX_INT_BITS = 4096


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _too_many_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise jinja2.sandbox.SecurityError(_("a number of about {bits:,} bits is too large for a template "
                                             "(at most {limit:,})").format(bits=bits, limit=MAX_INT_BITS))
_PADDING = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})


def _too_wide(width: object) -> None:
    raise jinja2.sandbox.SecurityError(_("a width or precision of {width:,} is too large for a template "
                                         "(at most {MAX_SIZE:,})").format(width=width, MAX_SIZE=MAX_SIZE))


def _check_widths(*groups: Iterable[Any]) -> None:
    for group in groups:
        for value in group:
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE:
                _too_wide(value)


def _check_printf(fmt: str, args: Any) -> None:
    """`'%100000000s' % x`, `'%*s' % (10**8, x)`: every width and precision within the bound."""
    for spec in re.findall(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?", fmt):
        for part in spec:
            if part.isdigit() and int(part) > MAX_SIZE:
                _too_wide(int(part))
    if "*" in fmt:
        _check_widths(args if isinstance(args, tuple) else (args,))


def _check_format_spec(fmt: str) -> None:
    """Widths and precisions of `str.format` fields; a nested field (`{:{w}}`) would hide one: refused."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format raises the same error itself
    for _text, _field, spec, _conversion in fields:
        if spec and "{" in spec:
            raise jinja2.sandbox.SecurityError(_("a nested format field (a width or precision from a value) is not "
                                                 "allowed in a template; write the width as a number"))
        for number in re.findall(r"\d+", spec or ""):
            if int(number) > MAX_SIZE:
                _too_wide(int(number))


def _too_large(size: int) -> None:
    if size > MAX_SIZE:
        raise jinja2.sandbox.SecurityError(_("a value of {size:,} items is too large for a template "
                                             "(at most {MAX_SIZE:,})").format(size=size, MAX_SIZE=MAX_SIZE))


def _check_replace(value: str, old: Any, new: Any, count: Any = -1) -> None:
    """`('x' * 10**6).replace('x', 'x' * 1000)` would build a gigabyte: its size is known before."""
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        found = value.count(old) if old else len(value) + 1
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        _too_large(len(value) + found * (len(new) - len(old)))


def _check_join(items: Any, separator: str) -> list[Any]:
    """A join of many large strings: its size is known before it is built (the items are read once)."""
    items = list(items)
    size = len(separator) * max(len(items) - 1, 0)
    for item in items:
        size += len(item) if isinstance(item, str | bytes) else 0
        _too_large(size)
    return items


@jinja2.pass_eval_context
def _replace(eval_ctx: Any, value: Any, old: Any, new: Any, count: int | None = None) -> Any:
    _check_replace(str(value), str(old), str(new), -1 if count is None else count)
    return jinja2.filters.do_replace(eval_ctx, value, old, new, count)


@jinja2.pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
    if attribute is None:
        value = _check_join(value, str(d))
    return jinja2.filters.do_join(eval_ctx, value, d, attribute)


#: Filters whose work grows with their text, and the steps one character costs (measured: `wordwrap` takes
#: about 3 µs a character, `urlize` 2 µs, a loop turn about 0.15 µs).
COSTLY_FILTERS = {"wordwrap": 20, "urlize": 10, "truncate": 1, "striptags": 2, "title": 1, "wordcount": 2}


def _costed(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    """Filter `function`, charging the render its `COSTLY_FILTERS` weight in steps per character of its text."""

    @functools.wraps(function)
    def costed(*args: Any, **kwargs: Any) -> Any:
        text = next((a for a in args if isinstance(a, str)), "")
        _step(COSTLY_FILTERS[name] * len(text), name)
        return function(*args, **kwargs)

    return costed


def _count(value: Any, filter_name: str) -> int:
    """A filter's count argument: a whole number within `MAX_SIZE`."""
    if not _is_int(value) or value < 1:
        raise jinja2.sandbox.SecurityError(_("the count given to the filter {filter} must be a whole number of at "
                                             "least 1, not {value!r}").format(filter=filter_name, value=value))
    _too_large(value)
    return int(value)


def _slice(value: Any, slices: Any, fill_with: Any = None) -> Iterator[list[Any]]:
    """`items|slice(n)` makes n lists: n is bounded like a width and each list costs a loop turn."""
    _step(_count(slices, "slice"))
    return jinja2.filters.sync_do_slice(value, slices, fill_with)


def _batch(value: Any, linecount: Any, fill_with: Any = None) -> Iterator[list[Any]]:
    """`items|batch(n, fill)` pads the last batch to n items: n is bounded like a width."""
    return jinja2.filters.do_batch(value, _count(linecount, "batch"), fill_with)


@jinja2.pass_eval_context
def _tojson(eval_ctx: Any, value: Any, indent: Any = None) -> Any:
    """`value|tojson(indent=n)`: the indent is bounded like a width, and the text it would make is measured
    before it is made (with an indent of one, every indent's length is known)."""
    if indent is not None:
        unit = len(indent) if isinstance(indent, str) else indent if _is_int(indent) else 1
        if unit > MAX_SIZE:
            _too_wide(unit)
        compact = json.dumps(value, indent=1, default=str)
        depth = sum(len(line) - len(line.lstrip(" ")) for line in compact.splitlines())
        _too_long(len(compact) + depth * (max(unit, 0) - 1), "a value")
    return jinja2.filters.do_tojson(eval_ctx, value, indent)


#: Loop turns one word of `lipsum` costs (measured: about 7 µs a word; a loop turn about 0.15 µs).
LIPSUM_WORD_STEPS = 50


def _lipsum(n: Any = 5, html: bool = True, min: Any = 20, max: Any = 100) -> Any:  # Jinja's names
    """`lipsum(n)`: n paragraphs of up to `max` words, charged to the render's steps before any is made."""
    for name, number in (("n", n), ("min", min), ("max", max)):
        if not _is_int(number) or number < 1:
            raise jinja2.sandbox.SecurityError(_("lipsum's {name} must be a whole number of at least 1, not "
                                                 "{value!r}").format(name=name, value=number))
    words = n * max
    steps = _STEPS.get()
    if words > MAX_SIZE or (steps is not None and steps[0] + words * LIPSUM_WORD_STEPS > MAX_STEPS):
        raise TooLong(_("lipsum would make up to {words:,} words, more than a page may make ({limit:,} units, "
                        "{weight} a word): ask for fewer or shorter paragraphs").format(
                          words=words, limit=MAX_STEPS, weight=LIPSUM_WORD_STEPS))
    _step(words * LIPSUM_WORD_STEPS)
    return jinja2.utils.generate_lorem_ipsum(n, html, min, max)  # Markup with html: its <p> stay tags


def _center(value: str, width: int = 80) -> str:
    _check_widths((width,))
    return jinja2.filters.do_center(value, width)


def _indent(value: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    if isinstance(width, int) and width * (str(value).count("\n") + 1) > MAX_SIZE:
        _too_wide(width)
    return jinja2.filters.do_indent(value, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_printf(str(value), kwargs or args)
    _too_long(len(str(value)) + sum(len(str(a)) for a in [*args, *kwargs.values()]), "a value")
    return jinja2.filters.do_format(value, *args, **kwargs)


class ContainedLoader(jinja2.FileSystemLoader):
    """A `FileSystemLoader` that reads only files inside its folders once symbolic links are resolved:
    a campaign's `templates/web/x.html` linked to `~/.ssh/id_rsa` or to the signing key is refused."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        for root in self.searchpath:  # FileSystemLoader reads whatever it finds: a FIFO would hang the build
            candidate = Path(root, *split_template_path(template))
            if candidate.exists() and not candidate.is_dir():
                try:
                    os.close(safefile.open_regular(candidate))
                    if candidate.stat().st_size > safefile.TEMPLATE:
                        raise safefile.too_big(candidate, candidate.stat().st_size, safefile.TEMPLATE)
                except safefile.Refused as e:
                    raise LinkOutside(template, str(e)) from None
                except OSError:
                    pass  # the loader's own error
                break
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(root).resolve()) for root in self.searchpath):
            raise LinkOutside(template, _("template {template} is a link to {target}, outside the templates folder; "
                                          "copy the file into the templates folder instead").format(
                                              template=filename, target=real))
        if not real.is_relative_to(BUILTIN.resolve()):  # an installer may hard-link the package's own files
            linked = hard_linked(Path(filename), filename, named=True)
            if linked is not None:
                raise LinkOutside(template, linked)
        what = key_material(source.encode("utf-8", "surrogateescape"))
        if what is not None:
            raise LinkOutside(template, _("template {template} holds {what}, which never goes into any output; "
                                          "remove it from the file").format(template=filename, what=what))
        return source, filename, uptodate


#: Settings that name files on this machine (the signing key, the venue list): no template may print them.
PRIVATE_SETTINGS = frozenset({"key_file", "list"})
#: Values derived from the settings that templates print too (`settings.short_authority`).
DERIVED_SETTINGS = ("short_authority",)


def _public(value: Any) -> Any:
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: _public(v) for k, v in value.items() if k not in PRIVATE_SETTINGS})
    if isinstance(value, list | tuple):
        return tuple(_public(v) for v in value)
    return value


def template_settings(settings: Any) -> Mapping[str, Any]:
    """What templates see as `settings`: its values as read-only tables (`settings.title`, `settings.issued`),
    without the settings that name files (`PRIVATE_SETTINGS`), so `{{ settings }}` prints no key path."""
    values = settings.model_dump()
    for name in DERIVED_SETTINGS:  # properties, which a dump leaves out
        values[name] = getattr(settings, name)
    return _public(values)


def _holds_private(model: pydantic.BaseModel) -> bool:
    """Whether a settings model (or one inside it) has a file-naming setting: never handed to a template."""
    def names(value: Any) -> Iterator[str]:
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield str(key)
                yield from names(item)
        elif isinstance(value, list | tuple):
            for item in value:
                yield from names(item)

    return not PRIVATE_SETTINGS.isdisjoint(names(model.model_dump()))


def environment(campaign: Campaign, *subdirs: str) -> jinja2.Environment:
    from materials import fingerprint

    search = [str(root / sub) for sub in subdirs for root in template_roots(campaign)] if subdirs else \
        [str(root) for root in template_roots(campaign)]
    env = Sandbox(ContainedLoader(search), keep_trailing_newline=True)
    env.globals.update(
        campaign=campaign,
        settings=template_settings(campaign.settings),
        languages=campaign.languages,
        t=campaign.text,
        service_link=campaign.service_link,
        language_name=lambda lang: language_name(campaign, lang),
        draft_mark=campaign.draft_mark,  # "" once every fact is confirmed and no address is a placeholder
        draft_note=campaign.draft_note,
        sources_fingerprint=fingerprint.sources(campaign),  # the proof's, in every output's metadata
    )
    if len(subdirs) == 1:  # one output kind's templates: its interface strings, per language
        env.globals["strings"] = strings(campaign, subdirs[0])
    return env


def strings(campaign: Campaign, kind: str) -> dict[str, dict[str, str]]:
    """Interface texts of one output kind per language: the built-in `<kind>/strings.toml`, then the
    campaign's own, merged language by language and key by key. A syntax error is a `MaterialsError`."""
    merged: dict[str, dict[str, str]] = {}
    for root in reversed(template_roots(campaign)):
        path = root / kind / STRINGS
        if not path.is_file():
            continue
        linked = hard_linked(path, _label(campaign, path), named=True) if root != BUILTIN else None
        if linked is not None:
            raise MaterialsError(linked)
        try:
            data = load_toml(safefile.read_text(path, safefile.TOML))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
            raise MaterialsError(_("{file}: cannot read the interface strings ({error})").format(
                file=_label(campaign, path), error=e)) from None
        for key, what in value_key_material(data):  # a label printed on every poster (`keys.remember`: load)
            raise MaterialsError(_("{file}: {key} {refusal}").format(file=_label(campaign, path), key=key,
                                                                     refusal=source_message(what)))
        for lang, table in data.items():
            if isinstance(table, dict):
                merged.setdefault(lang, {}).update({k: str(v) for k, v in table.items()})
    return merged


def check_strings(table: Mapping[str, Mapping[str, str]], languages: list[str], kind: str) -> list[Problem]:
    """Every campaign language has every key any language has (a missing text is a problem, never blank)."""
    label = f"templates/{kind}/{STRINGS}"
    problems: list[Problem] = []
    every_key = sorted({k for texts in table.values() for k in texts})
    for lang in languages:
        texts = table.get(lang)
        if texts is None:
            problems.append(Problem(label, None, f"[{lang}]", _("no interface texts for this campaign language; "
                                      "copy the [en] table of the built-in file into the campaign's own "
                                      "templates/{kind}/{STRINGS} and translate it").format(kind=kind,
                                                                                            STRINGS=STRINGS)))
            continue
        for key in every_key:
            if not texts.get(key, "").strip():
                problems.append(Problem(label, None, f"{lang}.{key}", _("text is missing")))
    return problems


def format_date(day: date, texts: Mapping[str, str]) -> str:
    """A date as one language writes it: its strings' `date` pattern (`{day} {month} {year}`), where
    `{month}` is the name from its `months` list (twelve names separated by spaces)."""
    months = texts["months"].split()
    month = months[day.month - 1] if len(months) == 12 else str(day.month)
    return texts["date"].format(year=day.year, month=month, month_number=day.month, day=day.day)


def language_name(campaign: Campaign, lang: str) -> str:
    """A language's own name: `[language_names]` of campaign.toml, else the `language_name` of the first output
    kind's strings that give one (every kind's strings may), else the tag itself."""
    named = campaign.settings.language_names.get(lang)
    if named:
        return str(named)
    for kind in registry.kinds():
        name = strings(campaign, kind).get(lang, {}).get("language_name")
        if name:
            return str(name)
    return lang


def _label(campaign: Campaign, path: Path) -> str:
    """`templates/web/k.html` as the user named it: a symbolic link by its own name, never by its target's."""
    if not path.is_relative_to(campaign.root):
        return f"built-in {path.relative_to(BUILTIN)}"
    named, root = path.parent.resolve() / path.name, campaign.root.resolve()
    return named.relative_to(root).as_posix() if named.is_relative_to(root) else campaign.relative(path)


def describe_template_error(error: jinja2.TemplateError) -> str:
    """`templates/web/home.html line 12: unexpected '}'`: the file and line of a template's mistake.

    Jinja's own words (`unexpected '}'`) stay as Jinja writes them, inside our translated sentence."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        if error.filename or error.name:
            return _("template {file} line {line}: {detail}; fix the template").format(
                file=error.filename or error.name, line=error.lineno, detail=error.message)
        return _("a template, line {line}: {detail}; fix the template").format(line=error.lineno,
                                                                               detail=error.message)
    if isinstance(error, jinja2.TemplateNotFound):
        if isinstance(error, LinkOutside):
            return str(error.message)
        names = getattr(error, "templates", None) or [error.name]
        if _frame(error) is not None:  # name the template and line that asked for it
            return _("{where}: template {names} not found; add it or fix the name").format(
                where=_where(error), names=", ".join(str(n) for n in names))
        return _("template {names} not found; add it or fix the name that includes it").format(
            names=", ".join(str(n) for n in names))
    # A runtime error (an undefined name): Jinja maps the template's frames to its source lines.
    where = _where(error)
    if isinstance(error, TooLong):
        return _("{where}: refused by the template sandbox ({detail}); loop over fewer items, or make the macro "
                 "stop calling itself").format(where=where, detail=error.message)
    if isinstance(error, jinja2.sandbox.SecurityError):
        return _("{where}: refused by the template sandbox ({detail}); templates may not reach Python "
                 "internals, files or the signing key: remove it from the template").format(where=where,
                                                                                          detail=error.message)
    return _("{where}: {detail}; fix the template").format(where=where,
                                                           detail=error.message or type(error).__name__)


class LinkOutside(jinja2.TemplateNotFound):
    """A template refused because it is a link to a file outside the templates folder, a hard link (whatever it
    points to) or holds the signing key."""


def _frame(error: BaseException) -> traceback.FrameSummary | None:
    """The innermost template frame of an error raised while rendering, if a template raised it."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.endswith(".py") and not f.filename.startswith("<frozen")]
    return frames[-1] if frames else None


def _where(error: BaseException) -> str:
    """`template web/404.html line 3`: the innermost template frame of an error raised while rendering."""
    frame = _frame(error)
    if frame is None:
        return _("a template")
    return _("template {file} line {line}").format(file=frame.filename, line=frame.lineno)


def describe_recursion(error: RecursionError) -> str:
    return _("{where}: templates include, import or extend each other in a loop (or a macro calls "
             "itself without end); break the loop").format(where=_where(error))


@contextlib.contextmanager
def template_errors() -> Iterator[None]:
    """A mistake in a template is the user's, not a crash: exit 1 naming the file and line."""
    try:
        yield
    except jinja2.TemplateError as e:
        raise TemplateProblem(describe_template_error(e)) from None
    except RecursionError as e:
        raise TemplateProblem(describe_recursion(e)) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as e:
        if isinstance(e, MaterialsError) or _frame(e) is None:
            raise  # not raised by a template's own expression: a bug to see whole
        raise TemplateProblem(_("{where}: {error_type}: {detail}; fix the template").format(
            where=_where(e), error_type=type(e).__name__, detail=e)) from None


def check_syntax(name: str, source: str, filename: str) -> None:
    """Parse a template now, so a syntax error names its file and line before any work starts."""
    try:
        Sandbox().parse(source, name, filename)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateProblem(describe_template_error(e)) from None
