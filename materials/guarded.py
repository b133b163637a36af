"""A guarded run: how every command that writes an output folder (`materials build`, `materials venues`,
`materials serve`) checks, locks and fills it, written once. The pipeline (materials/build.py) and the output
kinds' commands call it; it calls no output kind and never the pipeline.

    with guarded.Run(out, MADE_BY, campaign.root, keys=..., protected=..., strict=strict) as run:
        with run.checking():            # problems.txt holds a long problem list; --strict fails here
            ...validate...
        with run.writing(), run.staging() as stages:   # the lock is held, the folder marked as this command's
            ...render into stages.make(name), verify, then stages.swap_in()...

Entering refuses a folder that holds or lies in the campaign's sources, holds a file the run reads (a venue
list, a key) or a signing key, or is another command's output (materials/output.py); OS errors (full disk,
read-only folder) become one `OutputError` naming what survived; warnings are counted for `--strict`.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

from materials import keys, output
from materials import log as warnings_log
from materials.campaign import Campaign
from materials.errors import MaterialsError
from materials.i18n import _
from materials.schema import placeholder_keys
from materials.templating import template_errors

log = logging.getLogger(__name__)

#: Names `materials build` in the ownership marker of its output folder (materials/output.py); `materials serve`
#: rebuilds the site in that same folder.
BUILD = "materials build"


def warn_placeholders(campaign: Campaign, used: tuple[str, ...] = ()) -> None:
    """Warn about every PLACEHOLDER text; `used`: only those under these settings (the ones the command prints)."""
    # A fact's texts sit under `text` in the model but straight under [facts.NAME] in campaign.toml.
    keys = [k.replace(".text.", ".") for k in placeholder_keys(campaign.settings.model_dump(mode="json"))]
    if used:
        keys = [k for k in keys if k.split(".")[0].split("[")[0] in used]
    if keys:
        log.warning(_("campaign.toml still holds %d PLACEHOLDER text(s), printed as they are until you "
                      "replace them (--strict fails): %s"), len(keys), ", ".join(keys))
    if campaign.settings.service_is_placeholder:
        log.warning(
            _("campaign.toml service.url %s is a PLACEHOLDER on a reserved domain: every code and link in "
              "this build leads nowhere. Set the real declaration service before printing (--strict fails)."),
            campaign.settings.service.url,
        )
    for table in campaign.settings.kind_tables():  # each output kind's table names its own placeholders
        for warning in table.placeholder_warnings():
            log.warning("%s", warning)


def strict_failure(strict: bool, messages: list[str]) -> None:
    if strict and messages:
        raise MaterialsError(_("--strict: {count} warning(s) turned into failure; nothing was written").format(
                                 count=len(messages)))


def campaign_keys(campaign: Campaign) -> list[tuple[Path, str]]:
    """The campaign's signing keys (each output kind's table names its own), as campaign.toml names them."""
    return [key for table in campaign.settings.kind_tables() for key in table.keys(campaign.root)]


def sources_read(campaign: Campaign) -> tuple[Path, ...]:
    """Files a build reads that no output folder may hold (the next build would delete them)."""
    return tuple(path for table in campaign.settings.kind_tables() for path in table.sources_read(campaign.root))


class Run:
    """One command's run into the output folder `out` (see the module's docstring)."""

    def __init__(self, out: Path, made_by: str, campaign_root: Path, *, keys: Iterable[tuple[Path, str]] = (),
                 protected: Iterable[Path] = (), source: str = "", default: bool = False,
                 legacy: Callable[[Path], bool] | None = None, kept: str = "", strict: bool = False,
                 release: bool = False, counter: warnings_log.WarningCounter | None = None,
                 default_place: bool = False) -> None:
        """`keys`: signing keys the run reads, with the option or key that names them; `protected`: other files
        it reads; `source`: what the folder holds, as its marker records it (a venue list's districts and size);
        `default`: `out` is the campaign's own `output/`; `legacy`: recognises an older version's folder;
        `kept`: what of the previous output survives an OS error; `release`: a run that fails before writing
        unmarks the folder (and removes it if it made it); `counter`: the warnings counted since the command
        began (else from entering the run on); `default_place`: `out` is the command's default folder under
        the campaign's `output/`, never reached through a symbolic link."""
        self.out, self.made_by, self.source, self.kept = out, made_by, source, kept
        self.strict, self.release = strict, release
        self._keys, self._protected = list(keys), tuple(protected)
        self._root, self._default, self._legacy = campaign_root, default, legacy
        self._counter = counter
        self._default_place = default or default_place
        self._stack = contextlib.ExitStack()

    @property
    def warnings(self) -> list[str]:
        """Every warning logged since the run began."""
        return self._counter.messages if self._counter is not None else []

    def __enter__(self) -> Run:
        if self._counter is None:
            self._counter = self._stack.enter_context(warnings_log.counting())
        # Every file this run publishes is looked through for these keys too (`Stages.swap_in`), and so is every
        # file the renderer and the preview server would read (`keys.key_material`).
        keys.remember(key for key, _option in self._keys)
        try:
            if self._default_place:
                output.refuse_default_links(self.out, self._root)
            output.guard_output(self.out, self._root, default=self._default_place)
            for key, option in self._keys:
                output.refuse_key_in_output(key, option, self.out)
            output.check_owner(self.out, self.made_by, self._root, source=self.source,
                               protected=(*self._protected, *(key for key, _ in self._keys)),
                               default=self._default, default_place=self._default_place, legacy=self._legacy)
            self._stack.enter_context(output.machine_errors(self.out, self.kept))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stack.__exit__(kind, error, trace)  # never swallows: machine_errors turns an OSError into another

    @contextlib.contextmanager
    def checking(self) -> Iterator[None]:
        """Checks before the lock: a long problem list goes whole into problems.txt; then `--strict`."""
        with output.problems_report(self.out):
            yield
        strict_failure(self.strict, self.warnings)

    @contextlib.contextmanager
    def staging(self) -> Iterator[Stages]:
        """Staged folders in `out` (call inside `writing()`): each target renders into its own, and `swap_in`
        replaces the published folders with them; whatever is not swapped in is removed when the body ends."""
        stages = Stages(self.out)
        try:
            yield stages
        finally:
            for stage in stages.folders.values():
                shutil.rmtree(stage, ignore_errors=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the folder's lock and mark it as this command's while the body writes."""
        made = output.missing_folders(self.out)
        try:
            with output.locked(self.out, self.made_by):
                output.claim(self.out, self.made_by, self.source, self._root)
                with output.problems_report(self.out), template_errors():
                    yield
        except BaseException:
            if self.release:
                output.release_if_unused(self.out, bool(made), made)
            raise


class Stages:
    """The staged folders of one run, by target name (`Run.staging`)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folders: dict[str, Path] = {}

    def make(self, name: str) -> Path:
        """An empty staged folder for the target `name`."""
        self.folders[name] = output.make_stage(self.out, name)
        return self.folders[name]

    def swap_in(self) -> dict[str, Path]:
        """Every staged folder replaces its published one (`out/<name>`); returns the published folders."""
        for name, folder in self.folders.items():  # key material in any staged file: nothing is replaced
            for path, what in keys.published_key_material(folder):
                raise MaterialsError(keys.published_message(self.out / name / path.relative_to(folder), what))
        published = {}
        for name in list(self.folders):
            output.swap_in(self.folders.pop(name), self.out / name)
            published[name] = self.out / name
        return published
