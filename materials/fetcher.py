"""WeasyPrint's window on the world, limited to the campaign's own files.

A poster template or a Markdown image could otherwise make the renderer read `/etc/passwd` into a PDF,
or reach the network at build time. This fetcher serves `data:` URLs and files inside the allowed
folders (the campaign and the templates), up to a size limit, and stops the render with an error that
names the material for anything else.
"""

from __future__ import annotations

import base64
import functools
import importlib.resources
import mimetypes
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from materials import safefile
from materials.errors import MaterialsError
from materials.i18n import _
from materials.keys import key_material
from materials.textfiles import hard_linked

#: Largest image or stylesheet a material may pull in (a print-resolution A2 photo is ~15 MB).
MAX_RESOURCE_BYTES = 25 * 1024 * 1024


class RefusedResource(FatalURLFetchingError):
    """Raised inside WeasyPrint; the code that called WeasyPrint turns it into `MaterialsError` via `as_error`."""

    def __init__(self, origin: str, url: str, reason: str) -> None:
        super().__init__(_("{origin}: refused to load {url!r}: {reason}").format(origin=origin, url=url, reason=reason))
        self.origin, self.url, self.reason = origin, url, reason

    def as_error(self) -> MaterialsError:
        return MaterialsError(str(self.args[0]))


class CampaignFetcher(URLFetcher):
    """Serve `data:` URLs and files under `roots`; refuse everything else, naming `origin`."""

    def __init__(self, roots: Iterable[Path], origin: str, max_bytes: int = MAX_RESOURCE_BYTES) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, fail_on_errors=True)
        self.roots = [Path(r).resolve() for r in roots]
        self.origin = origin
        self.max_bytes = max_bytes

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return _data_url(url, self.origin)
        if scheme != "file":
            raise RefusedResource(self.origin, url, _("only files inside the campaign folder may be used "
                                                            "(nothing is fetched from the network)"))
        parts = urllib.parse.urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedResource(self.origin, url, _("remote file URLs are not allowed"))
        path = Path(url2pathname(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            if ".materials" in path.parts:  # the campaign's private folder: the venue signing key lies there
                raise RefusedResource(self.origin, url, _("the file is in the campaign's private .materials/ "
                                                          "folder (the venue signing key), which no template may "
                                                          "reach"))
            raise RefusedResource(self.origin, url, _("the file is outside the campaign folder"))
        if not path.is_file():
            raise RefusedResource(self.origin, url, _("the file does not exist"))
        linked = None if path.is_relative_to(_builtin_root()) else hard_linked(path, str(path))
        if linked is not None:
            raise RefusedResource(self.origin, url, linked)
        size = path.stat().st_size
        if size > self.max_bytes:
            raise RefusedResource(self.origin, url, _(
                "the file is {size:.1f} MB; the limit is {limit:.0f} MB (scale the image down)").format(
                    size=size / 1e6, limit=self.max_bytes / 1e6))
        try:  # a regular file, within the limit, even if it was swapped since the checks above
            data = safefile.read_bytes(path, self.max_bytes)
        except OSError as e:
            raise RefusedResource(self.origin, url, str(e.strerror)) from None
        # A file holding key material (`keys.key_material`) is never served, so no template can attach the key to
        # a PDF (`<a rel="attachment">`), inline it or load it as a stylesheet, wherever in the campaign it lies.
        what = key_material(data)
        if what is not None:
            raise RefusedResource(self.origin, url, _("it holds {what}, which never goes into any output; remove "
                                                      "it from the file").format(what=what))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), data, {"Content-Type": content_type})


@functools.cache
def _builtin_root() -> Path:
    """The tool's own templates, which an installer may hard-link from its cache (found as templating finds
    them; templating imports this module, so it is not asked)."""
    return Path(str(importlib.resources.files("materials.templates"))).resolve()


def _data_url(url: str, origin: str) -> URLFetcherResponse:
    header, _comma, payload = url.partition(",")
    if len(payload) > MAX_RESOURCE_BYTES * 4 // 3:
        raise RefusedResource(origin, url[:40] + "…", _("inline data is too large"))
    media = header[5:]
    is_b64 = media.endswith(";base64")
    media = media.removesuffix(";base64") or "text/plain"
    try:
        body = base64.b64decode(payload) if is_b64 else urllib.parse.unquote_to_bytes(payload)
    except ValueError as e:
        raise RefusedResource(origin, url[:40] + "…", _("bad data: URL ({error})").format(error=e)) from None
    return URLFetcherResponse(url, body, {"Content-Type": media.split(";")[0]})


def url_fetcher(roots: Iterable[Path], origin: str) -> CampaignFetcher:
    """A fetcher for one material: `origin` is how errors name it (a file, a poster and size)."""
    return CampaignFetcher(roots, origin)
