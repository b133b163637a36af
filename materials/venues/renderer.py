"""Venue posters: the unchanging parts rendered once, each venue's own text and code composed onto them.

`render_job` runs one job inside a worker process (local pool or Dask). A job (materials/venues/jobs.py)
carries everything it needs (template sources, font packs, the typed contexts and signed links), never the
signing key and never a path into the campaign, so it runs the same on a remote Dask worker.

- The *static layer* (materials/venues/static.py) is the poster without any venue (band, "cannot scan?"
  line, steps, footer rule and issuer, the crop marks): WeasyPrint renders it once per process, run and size
  through its public API (`HTML.render`, `Page.anchors`, `Document.write_pdf`). Its page becomes one PDF form
  XObject (`/S`), and the anchors of its empty *slots* give the rectangles where the venue's parts go.
- A venue's page (compose.py) is `/S Do` plus its own text (its name in every language the list gives,
  category and district, the venue code line, the address: shaped with HarfBuzz, glyphs.py, fitted by script,
  materials/scripts.py) and its QR code as one vector path (codes.py), everything in K only. Its PDF
  (files.py) embeds the XObject and a font subset of exactly the glyphs it prints, and the QR code is read
  back from a raster of the written file.
- A district file (files.py) puts the same page contents (byte for byte) under one shared XObject and one
  font subset per weight for the district; stickers are imposed on their sheets (sizes.py).
- Display-screen PNGs: screens.py.
"""

from __future__ import annotations

from materials.venues import glyphs
from materials.venues.codes import decode_region, qr_matrix
from materials.venues.compose import TooLong, compose
from materials.venues.files import venue_pdf
from materials.venues.jobs import Job, Rendered
from materials.venues.screens import render_screens
from materials.venues.static import PT_PER_MM, static_art


def render_job(job: Job) -> list[Rendered]:
    """Render one job; each result carries its bytes and what was decoded from them."""
    if job.kind == "screens":
        return render_screens(job)
    art = static_art(job.templates, job.static_fonts, job.poster)
    faces = glyphs.faces(job.fonts)
    bleed = job.poster.bleed * PT_PER_MM
    results = []
    for venue in job.venues:
        result = Rendered(venue.id, b"")
        try:
            page = compose(art, faces, job.poster, venue, qr_matrix(venue, job.poster))
        except TooLong as e:
            result.problems.append(str(e))
            results.append(result)
            continue
        result.art = page
        result.data = venue_pdf(art, faces, page, f"{venue.name} {venue.id}", job.poster)
        result.decoded = decode_region(result.data, art.slots["qr"], bleed, job.verify_dpi)
        results.append(result)
    return results
