"""One fingerprint of a campaign's sources, so a signed proof ties to the files printed later (issue 20).

The sign-off proof prints it on every page; every print PDF carries it in its keywords and every web page
in a `<meta name="materials-sources">`. A printer or reviewer compares the two: equal fingerprints mean
the file was made from the very texts the authority signed. Any change to a text, a fact, the notice,
the glossary or a template that words are printed from makes a new fingerprint (and needs a new proof).

What it covers: campaign.toml, the glossary, `faq/`, `posters/`, `tips/`, `notice/` and the templates
of every output kind (the campaign's own, then the built-in ones; not the proof's own template). Venue
lists and keys are not texts the authority signs and are left out. Paths are hashed with the bytes, so
renaming a file changes it too.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
from pathlib import Path
from typing import TYPE_CHECKING

from materials import registry

if TYPE_CHECKING:
    from materials.campaign import Campaign

#: Folders of the campaign whose Markdown is published, besides those the output kinds declare
#: (`registry.text_folders`: posters and tips), which come between the two.
TEXT_DIRS = ("faq", "notice")
#: Meta name and keyword prefix the outputs carry it under.
KEY = "materials-sources"


def files(campaign: Campaign) -> list[tuple[str, Path]]:
    """(label, path) of every source file the fingerprint covers, in a stable order."""
    root = campaign.root
    found: list[tuple[str, Path]] = [("campaign.toml", root / "campaign.toml")]
    glossary = campaign.settings.glossary
    if glossary and (root / glossary).is_file():
        found.append(("glossary", root / glossary))
    for folder in (TEXT_DIRS[0], *(folder for folder, _kind in registry.text_folders()), *TEXT_DIRS[1:]):
        if (root / folder).is_dir():
            found += [(path.relative_to(root).as_posix(), path) for path in sorted((root / folder).rglob("*.md"))]
    # The lookup order of materials.templating.template_roots (not imported: templating uses this module).
    builtin = Path(str(importlib.resources.files("materials.templates")))
    own = root / "templates"
    mine = own.is_dir() and own.resolve() != builtin.resolve()
    for number, templates in enumerate([own, builtin] if mine else [builtin]):
        for kind in sorted(registry.kinds()):  # every output kind's templates hold printed or published words
            if (templates / kind).is_dir():
                found += [(f"templates{number}/{path.relative_to(templates).as_posix()}", path)
                          for path in sorted((templates / kind).rglob("*")) if path.is_file()]
    return found


@functools.lru_cache(maxsize=8)
def _cached(campaign: Campaign) -> str:
    digest = hashlib.sha256()
    for label, path in files(campaign):
        digest.update(label.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    text = digest.hexdigest()[:20].upper()
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def sources(campaign: Campaign) -> str:
    """The fingerprint, as people compare it: 20 hex digits in groups of four (`1A2B-3C4D-…`)."""
    return _cached(campaign)


#: What print pages are laid out and cached with in place of the fingerprint (the same length), so an edit
#: to one text does not lay out every file again (issue 21); `stamp` puts the real one in when a file is
#: written into the output, laid out this run or taken from the cache alike (same bytes either way).
PLACEHOLDER = "XXXX-XXXX-XXXX-XXXX-XXXX"


def stamp(data: bytes, value: str) -> bytes:
    """A PDF laid out with `PLACEHOLDER` in its keywords (the Info dictionary and the XMP packet, which
    WeasyPrint may write into compressed object streams) with `value` there instead; anything else as is.
    Same bytes and value, same result."""
    if not data.startswith(b"%PDF") or len(value) != len(PLACEHOLDER):
        return data
    import io

    import pikepdf

    old, new = PLACEHOLDER.encode(), value.encode()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        changed = False
        keywords = pdf.docinfo.get("/Keywords") if "/Info" in pdf.trailer else None
        if keywords is not None and PLACEHOLDER in str(keywords):
            pdf.docinfo[pikepdf.Name.Keywords] = pikepdf.String(str(keywords).replace(PLACEHOLDER, value))
            changed = True
        metadata = pdf.Root.get("/Metadata")
        if isinstance(metadata, pikepdf.Stream):
            packet = metadata.read_bytes()
            if old in packet:
                metadata.write(packet.replace(old, new))  # XMP stays uncompressed, as readers expect
                changed = True
        if not changed:
            return data
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()
