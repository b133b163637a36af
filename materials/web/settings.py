"""Settings of the web target: the `[site]` table of campaign.toml."""

from pydantic import ConfigDict, Field, field_validator

from materials.i18n import _
from materials.schema import HttpsUrl, KindSettings, is_placeholder_host

# The shipped default is deliberately on a reserved `.example` host (RFC 2606): canonical links,
# the sitemap and Open Graph URLs are absolute, and a real deployment must say where it lives.
PLACEHOLDER_BASE_URL = "https://health-code.tianjin.example/"


class SiteSettings(KindSettings):
    """Where the FAQ website is published and how it presents itself."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    base_url: HttpsUrl = PLACEHOLDER_BASE_URL
    """Public https address the site is served from, ending in `/` (PLACEHOLDER on a `.example` host:
    set it to the real portal address before publishing; canonical links and sitemap.xml use it). The same
    host rule as service.url: plain ASCII (`xn--` form), no user name or password."""

    description: dict[str, str] = Field(default_factory=dict)
    """Per-language one-sentence description for search engines and link previews (falls back to the
    campaign title)."""

    intro: dict[str, str] = Field(default_factory=dict)
    """Per-language Markdown shown on the home page: what the health code is and why to apply."""

    search: bool = True
    """Build the offline search index (Chinese cut into words, English stemmed) and the search page;
    `[search]` tunes what it finds."""

    copy_print_downloads: bool = True
    """Copy the print target's home editions (A4/A5 PDFs without bleed or marks) into the site so the tips page
    offers them; production files (press, billboard, screens, WeChat) are never published."""

    @field_validator("base_url")
    @classmethod
    def _https_with_slash(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(_("must start with https:// (the site is linked from QR codes and shares)"))
        if not value.endswith("/"):
            raise ValueError(_("must end with '/'"))
        return value

    @property
    def is_placeholder(self) -> bool:
        """True while base_url still points at a reserved or example host (the rule of materials.schema)."""
        return is_placeholder_host(self.base_url)

    def draft_reasons(self) -> list[str]:
        return [f"site.base_url {self.base_url} is a placeholder"] if self.is_placeholder else []

    def texts(self) -> list[tuple[str, str, str, bool]]:
        # The description is plain text (search engines, link previews); the intro is Markdown.
        return [(table, lang, value, table == "site.intro")
                for table, mapping in (("site.description", self.description), ("site.intro", self.intro))
                for lang, value in mapping.items()]


class SearchSettings(KindSettings):
    """How the website's search understands what people type (the `[search]` table)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    words: list[str] = Field(default_factory=list)
    """Chinese words the segmenter must keep whole (健康码, 场所码, 津心办 ...), beside the facts, place
    categories, districts and synonyms, which are added anyway."""

    synonyms: list[list[str]] = Field(default_factory=list)
    """Groups of words or phrases that mean the same thing everywhere, in any language: a query with one
    also finds the others, as in `["老人", "老年人", "elderly", "senior"]`. An entry `{{ fact }}` stands for
    the fact's words in every language (a colour's name is a local fact, never typed here)."""

    popular: list[str] = Field(default_factory=list)
    """Ids of the most-read questions, offered with the categories when a search finds nothing (default:
    the first five questions)."""

    def searched_words(self) -> list[tuple[str, str]]:
        entries = [(f"search.words[{i}]", w) for i, w in enumerate(self.words)]
        return entries + [(f"search.synonyms[{n}]", w) for n, group in enumerate(self.synonyms) for w in group]

    @field_validator("words")
    @classmethod
    def _no_blank_words(cls, value: list[str]) -> list[str]:
        if any(not w.strip() or len(w) > 20 for w in value):
            raise ValueError(_("every word must be 1 to 20 characters, not blank"))
        return [w.strip() for w in value]

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for i, group in enumerate(value):
            facts = sum(1 for w in group if w.strip().startswith("{{"))  # a fact's words in every language
            if len(group) + facts < 2 or any(not w.strip() for w in group):
                raise ValueError(_("group {value} {group!r}: a group needs at least two words (a {{{{ fact }}}} "
                                   "counts for its words in each language), none blank").format(value=i + 1,
                                                                                               group=group))
        return [[w.strip() for w in group] for group in value]
