"""Settings of the web target: the `[site]` table of campaign.toml."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from materials.schema import is_placeholder_host

# The shipped default is deliberately on a reserved `.example` host (RFC 2606): canonical links,
# the sitemap and Open Graph URLs are absolute, and a real deployment must say where it lives.
PLACEHOLDER_BASE_URL = "https://health-code.tianjin.example/"


class SiteSettings(BaseModel):
    """Where the FAQ website is published and how it presents itself."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    base_url: str = PLACEHOLDER_BASE_URL
    """Public https address the site is served from, ending in `/` (PLACEHOLDER on a `.example` host:
    set it to the real portal address before publishing; canonical links and sitemap.xml use it)."""

    description: dict[str, str] = Field(default_factory=dict)
    """Per-language one-sentence description for search engines and link previews (falls back to the
    campaign title)."""

    intro: dict[str, str] = Field(default_factory=dict)
    """Per-language Markdown shown on the home page: what the health code is and why to apply."""

    search: bool = True
    """Build the offline Pagefind search index (Chinese segmentation included) and the search page."""

    copy_print_downloads: bool = True
    """Copy the print target's PDFs and PNG previews into the site so the tips page offers downloads."""

    @field_validator("base_url")
    @classmethod
    def _https_with_slash(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must start with https:// (the site is linked from QR codes and shares)")
        if not value.endswith("/"):
            raise ValueError("must end with '/'")
        return value

    @property
    def is_placeholder(self) -> bool:
        """True while base_url still points at a reserved or example host (the rule of materials.schema)."""
        return is_placeholder_host(self.base_url)
