"""1920x1080 PNG images of venue posters for display screens: WeasyPrint lays out a chunk of venues with the
`screen.html` template, each page is rasterised with pdfium and its code read back.
"""

from __future__ import annotations

import io

from materials import qr
from materials.i18n import _
from materials.venues.jobs import Job, Rendered
from materials.venues.static import environment, font_faces, refused_resources, weasy

SCREEN_QR_PX = 720


def render_screens(job: Job) -> list[Rendered]:
    """1920x1080 PNGs for display screens: WeasyPrint lays out a chunk, each page is rasterised."""
    poster = job.poster.replace(page_w=508.0, page_h=285.75, bleed=0)
    env = environment(job.templates, 1.0, poster)
    font_css, folder = font_faces(job.fonts)
    css = font_css + env.get_template("poster.css").render(g=poster)
    venues = []
    for venue in job.venues:
        code = qr.make(venue.link, poster.qr_error, fixed_mask=True)
        venues.append({**venue.as_data(), "qr_svg_screen": qr.svg(code, SCREEN_QR_PX * 25.4 / 96)})
    html = env.get_template("screen.html").render(g=poster, css=css, venues=venues)
    document = weasy(html, folder, job.label or "venue screens", "screen.html")
    by_anchor = {anchor[2:]: index for index, page in enumerate(document.pages)
                 for anchor in page.anchors if anchor.startswith("v-")}
    results = []
    for venue in job.venues:
        result = Rendered(venue.id, b"")
        if venue.id not in by_anchor:
            result.problems.append(_("the screen image of venue {id} has no page").format(id=venue.id))
        else:
            with refused_resources("screen.html"):
                pdf = document.copy([document.pages[by_anchor[venue.id]]]).write_pdf()
            result.data = _png(pdf)
            from PIL import Image

            result.decoded = qr.decode_image(Image.open(io.BytesIO(result.data)).convert("L"))
        results.append(result)
    return results


def _png(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=1920 / page.get_width()).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
