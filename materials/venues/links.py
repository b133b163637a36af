"""Signed check-in links: made here for posters, checked by the declaration service with `verify_link`.

A link is `HTTPS://HOST/PATH/TOKEN`, all upper case so a QR code holds it in alphanumeric mode. TOKEN is
base32 (RFC 4648, no padding) of

    version (1 byte) | key id (1) | reprint (1) | id length (1) | venue id (ASCII) | tag (16)

where tag = HMAC-SHA256(key, DOMAIN | district | everything before it)[:16]. The signed identity of a venue
is its district and its id: two districts whose lists both use `C-001` get different links and codes, and
`verify` says which district a poster belongs to. The district is signed but not carried in the token (the
QR code stays at version 4): the verifier tries the districts a key may sign (a district office's key: its
own district only; the campaign's city-wide key: every district of campaign.toml).

The service needs no database of posters: the key id picks the key (rotation, and one key per district
office, so a leaked district key endangers that district alone), and a venue's current reprint counter, when
the service keeps one, retires older posters. The same venue, key and reprint always give the same link, so
a rebuild never strands posters already on walls.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import itertools
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from materials import safefile
from materials.errors import MaterialsError
from materials.i18n import _
from materials.textfiles import hard_links

#: Version 2 signs the district with the venue id (version 1 signed the id alone: codes clashed across districts).
VERSION = 2
TAG_BYTES = 16
KEY_BYTES = 32
#: 32 random bytes hold about 30 distinct values (fewer than 16 has a chance below 1e-12); fewer is a made-up key
#: (all zeros, a few bytes repeated, `0123456789abcdef` four times).
MIN_DISTINCT_BYTES = 16
#: A key that repeats a block of up to this many bytes is typed or pasted, never random.
MAX_PERIOD = KEY_BYTES // 2


def is_weak(secret: bytes) -> bool:
    """A key anyone could guess: few distinct bytes, a block repeated (a pattern typed by hand), or bytes counting
    up or down by a constant step (`00 01 02 …`, `1f 1e 1d …`)."""
    steps = {(b - a) % 256 for a, b in itertools.pairwise(secret)}
    return len(set(secret)) < MIN_DISTINCT_BYTES or len(steps) == 1 or any(
        secret[period:] == secret[:-period] for period in range(1, min(MAX_PERIOD, len(secret) - 1) + 1))
MAX_ID_LENGTH = 32
#: Domain separation: a tag made for a link can never be replayed as a typed venue code, and vice versa.
LINK_DOMAIN = b"materials venue link v2\x00"
CODE_DOMAIN = b"materials venue code v2\x00"
KEY_MAGIC = "materials-venue-key"
VENUE_ID = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
BASE32 = re.compile(r"^[A-Z2-7]+$")
#: A typed code's check: 5 bytes of HMAC, 8 base32 characters.
CODE_CHECK_BYTES = 5
CODE_CHECK_CHARS = 8
TYPED_CODE = re.compile(r"^[A-Z0-9]+[A-Z2-7]{8}$")
#: `R2` before the check marks a reprint (printed only for reprint > 0, without leading zeros).
REPRINT_MARK = re.compile(r"^([A-Z0-9]+)R([1-9][0-9]{0,2})$")
BASE_URL = re.compile(r"^HTTPS://([A-Z0-9.-]+(?::[0-9]+)?)/((?:[A-Z0-9]+/)*[A-Z0-9]+)/?$")


class LinkError(MaterialsError):
    """A link or code that must not be accepted; the message says why."""


#: A district key as key files carry it (campaign.toml's district keys are slugs).
DISTRICT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Key:
    key_id: int
    secret: bytes = b""
    #: The one district this key signs (a district office's key); None: the campaign's city-wide key.
    district: str | None = None

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"Key(key_id={self.key_id}, district={self.district!r})"

    def may_sign(self, district: str) -> bool:
        return self.district is None or self.district == district


@dataclass(frozen=True)
class Venue:
    """What a genuine link says."""

    venue_id: str
    key_id: int
    reprint: int
    district: str = ""


class KeyRing:
    """Keys by id: every key verifies; the chosen one (default the highest id) signs."""

    def __init__(self, keys: Mapping[int, bytes] | list[Key]) -> None:
        items = keys if isinstance(keys, list) else [Key(k, v) for k, v in keys.items()]
        self.keys: dict[int, Key] = {}
        for key in items:
            if len(key.secret) != KEY_BYTES:
                raise MaterialsError(_("key {key_id} is {count} bytes; keys are {key_bytes} bytes").format(
                                         key_id=key.key_id, count=len(key.secret), key_bytes=KEY_BYTES))
            self.keys[key.key_id] = key
        if not self.keys:
            raise MaterialsError(_("the key ring is empty"))

    def __repr__(self) -> str:
        return f"KeyRing(ids={sorted(self.keys)})"

    def signing_key(self, key_id: int | None = None, district: str | None = None) -> Key:
        """The key that signs: `key_id` if given, else the newest city-wide key, else (a district office's
        key file) the newest key of `district`. A district key never signs another district's venues."""
        if key_id is not None:
            if key_id not in self.keys:
                raise MaterialsError(_("venues.key_id {key_id} is not in the key file (it has {keys})").format(
                                         key_id=key_id, keys=sorted(self.keys)))
            chosen = self.keys[key_id]
        else:
            city = [k for k in self.keys.values() if k.district is None]
            own = [k for k in self.keys.values() if district is not None and k.district == district]
            pool = city or own or list(self.keys.values())
            chosen = max(pool, key=lambda k: k.key_id)
        if district is not None and not chosen.may_sign(district):
            held = ", ".join(sorted({k.district or _("city-wide") for k in self.keys.values()}))
            raise MaterialsError(_("key {key_id} is the key of district {district!r}; it cannot sign "
                                   "venues of {district2!r} (the key file holds keys of: {held}). Each "
                                   "district office signs its own district's venues").format(
                                     key_id=chosen.key_id, district=chosen.district, district2=district, held=held))
        return chosen

    def holds(self, key: Key) -> bool:
        """Whether this ring verifies what `key` signs (same id, secret and district)."""
        mine = self.keys.get(key.key_id)
        return mine is not None and hmac.compare_digest(mine.secret, key.secret) and mine.district == key.district

    def districts_of(self, key: Key, districts: Iterable[str]) -> list[str]:
        """The districts a key's signature may name: its own, or (city-wide key) every district given."""
        return [key.district] if key.district is not None else list(districts)

    def fingerprint(self, key_id: int) -> str:
        """A public fingerprint of one key (safe to log and to hash into cache keys)."""
        return hashlib.sha256(b"fingerprint\x00" + self.keys[key_id].secret).hexdigest()[:16]


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _signed(domain: bytes, district: str, payload: bytes) -> bytes:
    """What the tag covers: the domain, the venue's district (length-prefixed) and the token's payload."""
    raw = district.encode("utf-8")
    return domain + bytes([len(raw)]) + raw + payload


def _check_district(district: str) -> str:
    if not DISTRICT.match(district) or len(district) > 64:
        raise MaterialsError(_("district {district!r}: a district key of campaign.toml (lower-case "
                               "letters, digits, hyphens) is signed with every venue").format(district=district))
    return district


def _payload(key_id: int, venue_id: str, reprint: int) -> bytes:
    if not VENUE_ID.match(venue_id) or len(venue_id) > MAX_ID_LENGTH:
        raise MaterialsError(_("venue id {venue_id!r}: letters, digits and single hyphens, at most "
                               "{max_id_length}").format(venue_id=venue_id, max_id_length=MAX_ID_LENGTH))
    if not 0 <= reprint <= 255:
        raise MaterialsError(_("venue {venue_id}: reprint {reprint} is not between 0 and 255").format(
                                 venue_id=venue_id, reprint=reprint))
    raw = venue_id.encode("ascii")
    return bytes([VERSION, key_id, reprint, len(raw)]) + raw


def token(key: Key, district: str, venue_id: str, reprint: int = 0) -> str:
    _check_district(district)
    if not key.may_sign(district):
        raise MaterialsError(_("key {key_id} signs only venues of district {district!r}, not {district2!r}").format(
                                 key_id=key.key_id, district=key.district, district2=district))
    payload = _payload(key.key_id, venue_id, reprint)
    tag = hmac.new(key.secret, _signed(LINK_DOMAIN, district, payload), hashlib.sha256).digest()[:TAG_BYTES]
    return _b32(payload + tag)


def link_base(host: str, path: str) -> str:
    return f"HTTPS://{host.upper()}/{path.upper()}/"


def sign_link(key: Key, base: str, district: str, venue_id: str, reprint: int = 0) -> str:
    """The check-in link of one venue: deterministic in (key, district, venue id, reprint)."""
    return base + token(key, district, venue_id, reprint)


def typed_id(venue_id: str) -> str:
    """A venue id as a typed code carries it: upper case, hyphens dropped (people type or drop them)."""
    return venue_id.upper().replace("-", "")


def _code_check(key: Key, district: str, typed: str, reprint: int) -> str:
    raw = typed.encode("ascii")
    payload = bytes([VERSION, key.key_id, reprint, len(raw)]) + raw
    signed = _signed(CODE_DOMAIN, district, payload)
    return _b32(hmac.new(key.secret, signed, hashlib.sha256).digest()[:CODE_CHECK_BYTES])


def venue_code(key: Key, district: str, venue_id: str, reprint: int = 0) -> str:
    """What a person types when scanning fails: `ID-CHECK` (reprint > 0: `ID-R2-CHECK`).

    CHECK is 8 base32 characters (40 bits) of an HMAC in its own domain: enough that guessing a code for a
    venue at a service that rate-limits attempts is hopeless, short enough to type. It signs the id as typed
    (`typed_id`), so a code read aloud or typed without its hyphens and in any case still checks.
    """
    _payload(key.key_id, venue_id, reprint)  # the same rules on id and reprint as links
    _check_district(district)
    if not key.may_sign(district):
        raise MaterialsError(_("key {key_id} signs only venues of district {district!r}, not {district2!r}").format(
                                 key_id=key.key_id, district=key.district, district2=district))
    check = _code_check(key, district, typed_id(venue_id), reprint)
    return f"{venue_id}-R{reprint}-{check}" if reprint else f"{venue_id}-{check}"


Reprints = Mapping[tuple[str, str], int]


def verify_code(
    code: str,
    keys: KeyRing | Mapping[int, bytes],
    *,
    districts: Iterable[str],
    reprints: Reprints | None = None,
) -> Venue:
    """Check a typed venue code; return the venue or raise `LinkError` saying why it is refused.

    Letter case, spaces and hyphens are ignored; any other change is refused. Every key of the ring is
    tried (rotation), each with the districts it may sign (`districts`: the campaign's district keys);
    `reprints` ((district, venue id) -> current reprint) refuses the code of a replaced poster. Without
    `reprints` the venue id comes back as typed: upper case without hyphens.
    """
    districts = list(districts)
    ring = keys if isinstance(keys, KeyRing) else KeyRing(keys)
    typed = "".join(str(code).split()).replace("-", "").upper() if isinstance(code, str) else ""
    if not TYPED_CODE.match(typed):
        raise LinkError(_("not a venue code (letters and digits such as BD-000001-P5GMCLXY) and not a link"))
    body, check = typed[:-CODE_CHECK_CHARS], typed[-CODE_CHECK_CHARS:]
    readings = [(body, 0)]
    marked = REPRINT_MARK.match(body)
    if marked:
        readings.append((marked.group(1), int(marked.group(2))))
    matches: list[Venue] = []
    for venue_id, reprint in readings:
        if reprint > 255 or len(venue_id) > MAX_ID_LENGTH:
            continue
        for key in ring.keys.values():
            for district in ring.districts_of(key, districts):
                if hmac.compare_digest(_code_check(key, district, venue_id, reprint), check):
                    matches.append(Venue(venue_id, key.key_id, reprint, district))
    if not matches:
        raise LinkError(_("the code does not match: mistyped, forged or made with a key this service does "
                          "not hold; compare it character by character with the poster"))
    if len({(v.district, v.venue_id, v.reprint) for v in matches}) > 1:
        raise LinkError(_("the code matches more than one venue ({venues}); scan the QR code instead").format(
            venues=", ".join(f"{v.district} {v.venue_id}" for v in matches)))
    found = matches[-1]
    if reprints is not None:
        spelled = {(district, typed_id(venue_id)): venue_id for district, venue_id in reprints}
        venue_id = spelled.get((found.district, found.venue_id), "")
        if not venue_id:
            raise LinkError(_("venue {venue_id} of district {district} is not in the current venue list").format(
                                venue_id=found.venue_id, district=found.district))
        current = reprints[(found.district, venue_id)]
        if found.reprint < current:
            raise LinkError(_("venue {venue_id}: this poster (reprint {reprint}) was replaced by reprint "
                              "{current}").format(venue_id=venue_id, reprint=found.reprint, current=current))
        found = Venue(venue_id, found.key_id, found.reprint, found.district)
    return found


def canonical_base(base: str) -> tuple[str, str, str]:
    """`HTTPS://HOST/PATH/` as (base, host, path), upper case; a base that is not of that shape is refused."""
    from urllib.parse import urlsplit

    from materials.schema import check_https_url

    text = base.strip()
    advice = _("give the start of genuine links, HTTPS://HOST/PATH/ (such as HTTPS://HC.TJ.GOV.CN/V/)")
    try:
        port = urlsplit(text).port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise MaterialsError(_("--base {base!r}: the port is not a number from 1 to 65535; {advice}").format(
            base=base, advice=advice))
    try:  # the one address rule of every host setting (service.url, link_host): https, IDNA, no user name...
        check_https_url(text)
    except ValueError as e:
        raise MaterialsError(_("--base {reason}; {advice}").format(reason=e, advice=advice)) from None
    match = BASE_URL.match(text.upper())
    if not match:
        raise MaterialsError(_("--base {base!r}: {advice}").format(base=base, advice=advice))
    host, path = match.group(1), match.group(2).strip("/")
    return f"HTTPS://{host}/{path}/", host, path


def _decode_token(text: str) -> bytes:
    if not text or not BASE32.match(text):
        raise LinkError(_("the token is not upper-case base32 (A-Z, 2-7) without padding"))
    padded = text + "=" * (-len(text) % 8)
    try:
        raw = base64.b32decode(padded)
    except (binascii.Error, ValueError):
        raise LinkError(_("the token is not valid base32")) from None
    # Several strings decode to the same bytes when the unused low bits differ; accept only the one we write.
    if _b32(raw) != text:
        raise LinkError(_("the token is not in canonical base32 form"))
    return raw


def verify_link(
    link: str,
    keys: KeyRing | Mapping[int, bytes],
    *,
    base: str,
    districts: Iterable[str],
    reprints: Reprints | None = None,
) -> Venue:
    """Check a scanned link; return the venue or raise `LinkError` saying why it is refused.

    `base` (such as `HTTPS://HC.TJ.GOV.CN/V/`, from the campaign's service URL) is required: a genuine token
    behind any other scheme, host or path is a sticker over a poster. Only `base` + token is canonical.
    `districts` are the campaign's district keys (a city-wide key may sign any of them; a district key its own).
    `reprints` maps (district, venue id) to the current reprint counter, so a poster from before a reprint is
    refused.
    """
    ring = keys if isinstance(keys, KeyRing) else KeyRing(keys)
    base, host, path = canonical_base(base)
    if not isinstance(link, str) or not link.startswith("HTTPS://"):
        raise LinkError(_("not a venue link (it must start with HTTPS:// in upper case)"))
    if "?" in link or "#" in link:
        raise LinkError(_("not a venue link (expected HTTPS://HOST/PATH/TOKEN, without ? or #)"))
    found_host, _slash, rest = link.removeprefix("HTTPS://").partition("/")
    if found_host != host:
        odd = next((char for char in found_host if not char.isascii()), None)
        if odd is not None:  # a look-alike letter: the two names print the same, so say which one differs
            from materials.fonts import describe

            try:
                idna = found_host.lower().encode("idna").decode("ascii")
            except UnicodeError:
                idna = found_host.encode("ascii", "backslashreplace").decode("ascii")
            raise LinkError(_("the link leads to {value}, not to the campaign's {host}: its letter {char} is not "
                              "ASCII (the host is {idna}), a look-alike of the campaign's address; a sticker over a "
                              "genuine poster looks like this").format(value=found_host, host=host,
                                                                       char=describe(odd), idna=idna))
        raise LinkError(_("the link leads to {value}, not to the campaign's {host}: a sticker over a "
                          "genuine poster looks like this").format(value=found_host or _("no host"), host=host))
    if not link.startswith(base):
        raise LinkError(_("the link's path /{value}/ is not the campaign's /{path}/").format(
                            value=rest.rpartition('/')[0], path=path))
    text = link[len(base):]
    if "/" in text:
        raise LinkError(_("extra path segments after {base}: not a canonical venue link").format(base=base))
    raw = _decode_token(text)
    if len(raw) < 4 + 1 + TAG_BYTES:
        raise LinkError(_("the token is too short"))
    version, key_id, reprint, id_length = raw[0], raw[1], raw[2], raw[3]
    if version == 1:
        raise LinkError(_("a version-1 link (made before venue identities named their district, when two "
                          "districts' codes could clash): reprint the poster with this version of materials"))
    if version != VERSION:
        raise LinkError(_("unknown token version {version}").format(version=version))
    if len(raw) != 4 + id_length + TAG_BYTES:
        raise LinkError(_("the token length does not match its venue id"))
    key = ring.keys.get(key_id)
    if key is None:
        raise LinkError(_("unknown key id {key_id} (made with a key this service does not hold)").format(key_id=key_id))
    payload, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    found = ""
    for district in ring.districts_of(key, districts):
        expected = hmac.new(key.secret, _signed(LINK_DOMAIN, district, payload), hashlib.sha256).digest()[:TAG_BYTES]
        if hmac.compare_digest(expected, tag):
            found = district
    if not found:
        raise LinkError(_("the signature does not match: the link is forged, altered or made with another "
                          "key"))
    venue_id = payload[4:].decode("ascii", errors="replace")
    if not VENUE_ID.match(venue_id):
        raise LinkError(_("the venue id inside the token is malformed"))
    if reprints is not None:
        current = reprints.get((found, venue_id))
        if current is None:
            raise LinkError(_("venue {venue_id} of district {found} is not in the current venue list").format(
                                venue_id=venue_id, found=found))
        if reprint < current:
            raise LinkError(_("venue {venue_id}: this poster (reprint {reprint}) was replaced by reprint "
                              "{current}").format(venue_id=venue_id, reprint=reprint, current=current))
    return Venue(venue_id, key_id, reprint, found)


# ---- key files ------------------------------------------------------------------------------------------


def new_key(key_id: int = 1, district: str | None = None) -> Key:
    if not 0 <= key_id <= 255:
        raise MaterialsError(_("--key-id {key_id}: choose a number from 0 to 255").format(key_id=key_id))
    if district is not None:
        _check_district(district)
    return Key(key_id, secrets.token_bytes(KEY_BYTES), district)


def signing_id(keys: Iterable[Key]) -> int | None:
    """The id of the city-wide key that signs by default (`KeyRing.signing_key`: the highest), or None."""
    return max((k.key_id for k in keys if k.district is None), default=None)


def next_key_id(keys: list[Key], file: Path, *, signs: bool) -> int:
    """The id `keys new` gives a key added to the key file `file` holding `keys`: one more than the highest id in
    use, or, once 255 is in use, the lowest free id (red team 11: "--key-id 256"). `signs` (`--add`, "it signs
    from now on"): only an id above the city-wide key that signs now (`signing_id`), as the highest one signs."""
    used = {k.key_id for k in keys}
    preferred = max(used, default=0) + 1
    if preferred <= 255:
        return preferred
    current = signing_id(keys) if signs else None
    floor = 0 if current is None else current + 1
    free = [key_id for key_id in range(floor, 256) if key_id not in used]
    if free:
        return free[0]
    # When the ids run out: only keys no poster needs any more can go.
    advice = _("Remove from {file} the lines of keys whose posters have all been reprinted (posters signed with a "
               "removed key stop verifying), then run again").format(file=file)
    if current is not None:
        raise MaterialsError(_("{file}: key {key_id} signs now (the highest city-wide id signs) and every id above "
                               "it, up to 255, is in use, so no key added now could sign. {advice}").format(
                                   file=file, key_id=current, advice=advice))
    raise MaterialsError(_("{file}: all 256 key ids (0 to 255) are used. {advice}").format(
        file=file, advice=advice))


def format_keys(keys: list[Key]) -> str:
    lines = ["# materials venue signing keys: keep this file secret (mode 0600), never commit or print it.",
             "# One key a line: magic, key id, 64 hex digits[, the one district the key signs]. All keys verify;",
             "# the highest city-wide id signs (a district office's file holds only its district's key)."]
    lines += [f"{KEY_MAGIC} {k.key_id} {k.secret.hex()}" + (f" {k.district}" if k.district else "") for k in keys]
    return "\n".join(lines) + "\n"


#: A campaign's folders of published sources: a key file never lies in one (it would be built into the site).
KEY_UNSAFE_FOLDERS = ("faq", "posters", "tips", "templates", "notice", "venues")


def refuse_unsafe_key(path: Path) -> None:
    """Refuse a key file that is another file too: a campaign's key file that is a symbolic link, a key file with a
    second hard link, or one whose real path lies in a campaign's sources. A hostile campaign ships
    `.materials/venue-signing.key` linked to `templates/web/assets/site.css`, and copying the district's key there
    would write it into the published stylesheet."""
    advice = _("Remove it (`rm` removes the link, not its target), check the file it named for a copied key, and "
               "put the key in a file of its own, e.g. `materials keys new --out .materials/venue-signing.key`")
    try:
        if path.is_symlink() and _campaign_of(path.absolute().parent) is not None:
            raise MaterialsError(_("key file {path} is a symbolic link (to {readlink}); a campaign's key "
                                   "file must be a file of its own. {advice}").format(
                                     path=path, readlink=os.readlink(path), advice=advice))
        if path.is_dir():  # a folder's link count is 2 and more: it is no key file (red team 11, #12)
            raise MaterialsError(_("key file {path} is a folder, not a key file: name the key file itself, such "
                                   "as .materials/venue-signing.key (venues.key_file in campaign.toml, or "
                                   "--key-file)").format(path=path))
        if (count := hard_links(path)) > 1:
            raise MaterialsError(_("key file {path} has {st_nlink} hard links: the same file is also "
                                   "elsewhere, where the key could be published. {advice}").format(
                                     path=path, st_nlink=count, advice=advice))
        real = path.resolve()
    except OSError:
        return  # reading or writing it names the problem
    root = _campaign_of(real.parent)
    while root is not None:
        inside = real.relative_to(root).parts
        if inside and inside[0] in KEY_UNSAFE_FOLDERS:
            if not (path.exists() or path.is_symlink()):  # a new key file (keys new --out)
                advice = _("Keep keys outside the sources, e.g. --out .materials/venue-signing.key or "
                           "secrets/venue.key")
            raise MaterialsError(_("key file {path} lies in the campaign's sources ({value}), which are "
                                   "built into the website and print files. {advice}").format(
                                     path=path, value=root / inside[0], advice=advice))
        root = _campaign_of(root.parent) if root.parent != root else None


def _campaign_of(folder: Path) -> Path | None:
    """The nearest folder at or above `folder` that holds a campaign.toml."""
    for candidate in (folder, *folder.parents):
        try:
            if (candidate / "campaign.toml").is_file():
                return candidate
        except OSError:
            return None
    return None


def write_key_file(path: Path, keys: list[Key], *, overwrite: bool = False) -> None:
    """Create a key file readable by its owner only; never replace an existing key by accident.

    The keys are written to a new file of mode 0600 beside `path` (created exclusively, so never readable by
    others, not even for an instant) and then put in place whole: linked to `path` when it is new (which fails if
    anything, even a dangling link, has the name meanwhile), moved over it with `overwrite` (adding a key). A crash
    never leaves a half-written key file. Missing folders are made only inside a campaign folder (its
    `.materials/district-keys/`): a key is never written into folders made silently elsewhere on the disk.
    """
    refuse_unsafe_key(path)
    _make_key_folder(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)  # O_EXCL, 0600
    except OSError as e:
        raise MaterialsError(_("cannot write {value}: {value2}; choose another --out").format(
                                 value=e.filename or path, value2=e.strerror or e)) from None
    staged = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(format_keys(keys))
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(staged, path)
        else:
            try:
                os.link(staged, path, follow_symlinks=False)
            except FileExistsError:
                if not _looks_like_key(path):
                    raise MaterialsError(_("{target} exists and is not a key file; refusing to replace it. Choose "
                                           "another --out, such as secrets/venue.key").format(target=path)) from None
                raise MaterialsError(_("{target} exists; refusing to replace a signing key (posters signed with it "
                                       "would stop verifying). Choose another --out, or add a key with --add").format(
                                         target=path)) from None
            except OSError as e:
                raise MaterialsError(_("cannot write {value}: {value2}; choose another --out").format(
                                         value=path, value2=e.strerror or e)) from None
    finally:
        staged.unlink(missing_ok=True)


def _make_key_folder(path: Path) -> None:
    """Make the missing folders of a new key file `path`, only where a campaign folder holds them: `--out
    /tmp/new/x.key` outside every campaign is refused instead of creating /tmp/new."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    if not missing:
        return
    if _campaign_of(missing[-1].parent.resolve()) is None:
        raise MaterialsError(_("cannot write {path}: the folder {folder} does not exist. A key is written into a "
                               "folder that exists (make it yourself if you meant it, e.g. `mkdir -p {folder}`), "
                               "or, inside a campaign folder, into its .materials/").format(
                                 path=path, folder=path.parent))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise MaterialsError(_("cannot write {path}: {value}; choose another --out").format(
                                 path=path, value=e.strerror or e)) from None


@contextlib.contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """Hold the key file `path` for one `keys new` at a time, from reading it to writing it (an exclusive lock on
    `.NAME.lock` beside it, released when the process ends however it ends): two runs started together each chose
    the next id from the file as it was and the second writer dropped the first one's key (red team 11). The
    second run waits here and then reads the file with the first run's key in it. The lock file is never opened
    through a symbolic link (`output.open_lock`)."""
    import fcntl

    from materials.output import open_lock

    _make_key_folder(path)
    lock_path = path.parent / f".{path.name}.lock"
    try:
        fd = open_lock(lock_path)
    except OSError as e:
        raise MaterialsError(_("cannot lock the key file {path} ({error}): make its folder {folder} writable and run "
                               "again").format(path=path, error=e.strerror or e, folder=path.parent)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _looks_like_key(path: Path) -> bool:
    """Whether an existing file holds a key line (read without following it into a FIFO or a device)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return True  # unreadable: say the cautious thing
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return KEY_MAGIC.encode() in os.read(fd, 4096)
    except OSError:
        return True
    finally:
        os.close(fd)


def new_key_advice(path: Path, setting: str) -> str:
    """What to do about a key file `path` that does not exist (`setting`: how the user wrote it). A path inside an
    output folder is no place for a new key (`keys new` refuses it): the advice moves the setting out of it."""
    from materials.output import owned_folder

    if owned_folder(path) is None:
        return _("make one with `materials keys new --out {path}`").format(path=setting)
    return _("{path} is inside the output folder {folder}, where `materials keys new` makes no key (the next run "
             "would delete it, or publish it). Set venues.key_file in campaign.toml to a path outside every output "
             "folder, e.g. .materials/venue-signing.key, and run `materials keys new --out "
             ".materials/venue-signing.key`").format(path=setting, folder=owned_folder(path))


def read_key_file(path: Path) -> KeyRing:
    """Read a key file; errors name the file and line but never echo key material."""
    refuse_unsafe_key(path)
    try:  # UTF-8, so a line with a Chinese district name is named by the line checks, not as a foreign file
        # A regular file of at most KEY bytes: /dev/zero or a FIFO named as key file is refused, never read.
        text = safefile.read_text(path, safefile.KEY)
    except FileNotFoundError:
        raise MaterialsError(_("key file {path} not found; {advice}").format(
                                 path=path, advice=new_key_advice(path, str(path)))) from None
    except safefile.Refused as e:
        raise MaterialsError(_("key file {path} {reason}").format(path=path, reason=e.reason)) from None
    except UnicodeDecodeError:
        raise MaterialsError(_("key file {path} is not a materials key file").format(path=path)) from None
    keys: list[Key] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) not in (3, 4) or parts[0] != KEY_MAGIC or not parts[1].isdigit():
            raise MaterialsError(_("key file {path} line {number}: not `{key_magic} ID HEX [DISTRICT]`").format(
                                     path=path, number=number, key_magic=KEY_MAGIC))
        district = parts[3] if len(parts) == 4 else None
        if district is not None and not DISTRICT.match(district):
            raise MaterialsError(_("key file {path} line {number}: {district!r} is not a district key").format(
                                     path=path, number=number, district=district))
        if re.fullmatch(r"[0-9a-fA-F]+", parts[2]) and len(parts[2]) != KEY_BYTES * 2:
            # 65 digits (one typed twice) is hex all the same: say what is wrong, its length.
            raise MaterialsError(_("key file {path} line {number}: the key has {count} hex digits; a key is "
                                   "{value} hex digits (copy the line again from the key file, or make a new key "
                                   "with `materials keys new`)").format(
                                       path=path, number=number, count=len(parts[2]), value=KEY_BYTES * 2))
        try:
            secret = bytes.fromhex(parts[2])
        except ValueError:
            raise MaterialsError(_("key file {path} line {number}: the key is not hex").format(
                                     path=path, number=number)) from None
        key_id = int(parts[1])
        if not 0 <= key_id <= 255:
            raise MaterialsError(_("key file {path} line {number}: key id 0-255 and {value} hex digits").format(
                                     path=path, number=number, value=KEY_BYTES * 2))
        if any(k.key_id == key_id for k in keys):
            raise MaterialsError(_("key file {path} line {number}: key id {key_id} appears twice").format(
                                     path=path, number=number, key_id=key_id))
        if is_weak(secret):
            raise MaterialsError(_("key file {path} line {number}: key {key_id} is not random (all zeros, "
                                   "a few repeated bytes, a repeated block or counting bytes: anyone could guess it); "
                                   "make one with `materials keys new`").format(
                                       path=path, number=number, key_id=key_id))
        keys.append(Key(key_id, secret, district))
    if not keys:
        raise MaterialsError(_("key file {path} holds no key").format(path=path))
    # Only now, once the file is known to be a key file, suggest a chmod (never for a path such as /etc/passwd).
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise MaterialsError(_("key file {path} is readable by other users; run `chmod 600 {path}`").format(path=path))
    return KeyRing(keys)


def read_key_files(paths: list[Path]) -> KeyRing:
    """Several key files as one ring (old and new keys during a rotation)."""
    merged: dict[int, Key] = {}
    for path in paths:
        for key_id, key in read_key_file(path).keys.items():
            if key_id in merged and (merged[key_id].secret, merged[key_id].district) != (key.secret, key.district):
                raise MaterialsError(_("key id {key_id} has different keys in two key files").format(key_id=key_id))
            merged[key_id] = key
    return KeyRing(list(merged.values()))
