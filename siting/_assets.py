"""Make an HTML page self-contained: no request leaves the machine when it opens.

Map pages link Leaflet from a CDN (folium's pages also jQuery and plugins), which is blocked
or slow on many mainland China networks and absent on air-gapped machines. The same files
ship on PyPI as XStatic packages (``xstatic-leaflet`` 1.9.3, ``xstatic-jquery``,
``xstatic-d3`` for branca's colormap legends): :func:`inline_assets` replaces each
``<script src>`` and stylesheet ``<link>`` with an inline copy of the packaged file, turns the
images a stylesheet refers to into ``data:`` URIs, and removes the assets that folium adds by
default but a page that does not use them can do without (Bootstrap, Font Awesome,
glyphicons, Leaflet.awesome-markers, leaflet-dvf). An asset it has no copy of is an error,
never a silent CDN request. :mod:`siting.maps` inlines the head of its pages once per process.
"""

from __future__ import annotations

import base64
import importlib
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from siting.errors import SitingError


class OfflineAssetError(SitingError, ValueError):
    """A page needs a browser asset that cannot be inlined from an installed package."""


@dataclass(frozen=True)
class _Packaged:
    """A file of an XStatic package that stands in for the CDN URLs matching ``pattern``."""

    pattern: str
    package: str
    file: str


@dataclass(frozen=True)
class _Dropped:
    """CDN URLs (``pattern``) that are removed; ``needed_by`` in the page makes that an error."""

    pattern: str
    needed_by: str | None


_PACKAGED = (
    _Packaged(r"(^|/)leaflet(-src)?(\.min)?\.js$", "leaflet", "leaflet.js"),
    _Packaged(r"(^|/)leaflet(\.min)?\.css$", "leaflet", "leaflet.css"),
    _Packaged(r"(^|/)jquery([-.]\d[\d.]*)?(\.min)?\.js$", "jquery", "jquery.min.js"),
    _Packaged(r"(^|/)d3(\.v3)?(\.min)?\.js$", "d3", "d3.js"),
)

_DROPPED = (
    _Dropped(r"awesome-markers", "L.AwesomeMarkers"),
    _Dropped(r"leaflet[-.]dvf", "L.RegularPolygonMarker"),
    _Dropped(r"awesome\.rotate", None),
    _Dropped(r"bootstrap", None),
    _Dropped(r"glyphicons", None),
    _Dropped(r"font-?awesome", None),
)

_TAG = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(?P<q>["'])(?P<src>[^"']+)(?P=q)[^>]*>\s*</script\s*>"""
    r"""|(?P<link><link\b[^>]*>)""",
    re.IGNORECASE,
)
_HREF = re.compile(r"""\bhref\s*=\s*(?P<q>["'])(?P<url>[^"']+)(?P=q)""", re.IGNORECASE)
_STYLESHEET = re.compile(r"""\brel\s*=\s*["']?stylesheet\b""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>[^)"']+)(?P=q)\s*\)""", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=\S+\s*$", re.MULTILINE)
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)
_STYLE_END = re.compile(r"</(style)", re.IGNORECASE)

#: What :func:`inline_assets` refuses to leave in a page: a script or stylesheet fetched over
#: the network (``http:``, ``https:`` or protocol-relative ``//``) ...
REMOTE_TAG = re.compile(
    r"""<(script|link)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//[^"'\s>]*""", re.IGNORECASE
)
#: ... or an image that a ``<style>`` block fetches with ``url(http...)``.
REMOTE_CSS_URL = re.compile(r"""url\(\s*["']?(https?:)?//[^)]*\)""", re.IGNORECASE)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def inline_assets(page: str) -> str:
    """Replace a page's external scripts and stylesheets with inline copies.

    Parameters
    ----------
    page
        A complete HTML page (or the part of one that links its assets).

    Returns
    -------
    str
        The same page with every ``<script src>`` and stylesheet ``<link>`` inlined from the
        XStatic packages or removed, and no reference left to a remote script, stylesheet or
        CSS image.

    Raises
    ------
    OfflineAssetError
        If the page loads an asset no installed package provides, or uses a plugin whose
        asset has no offline copy (e.g. ``L.AwesomeMarkers``); the message lists them all.
    """
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group("src"):
            return _replace(match.group("src"), page, problems)
        tag = match.group("link")
        href = _HREF.search(tag)
        if href is None or not _STYLESHEET.search(tag):
            return tag
        return _replace(href.group("url"), page, problems)

    out = _TAG.sub(replace, page)
    left = {m.group(0) for m in REMOTE_TAG.finditer(out)}
    for block in _STYLE_BLOCK.finditer(out):
        left |= {m.group(0) for m in REMOTE_CSS_URL.finditer(block.group(1))}
    problems += [f"remote reference left in the page: {ref!r}" for ref in sorted(left)]
    if problems:
        lines = "\n".join(f"  - {p}" for p in dict.fromkeys(problems))
        msg = (
            f"the map cannot be made self-contained:\n{lines}\n"
            "save it with offline=False to load these from the network instead"
        )
        raise OfflineAssetError(msg)
    return out


def _replace(url: str, page: str, problems: list[str]) -> str:
    """Return the inline copy of the asset at ``url``, or '' to drop it."""
    name = url.split("?", 1)[0].split("#", 1)[0]
    for dropped in _DROPPED:
        if re.search(dropped.pattern, name, re.IGNORECASE):
            if dropped.needed_by and dropped.needed_by in page:
                problems.append(f"{dropped.needed_by} needs {url}, which has no offline copy")
            return ""
    for packaged in _PACKAGED:
        if re.search(packaged.pattern, name, re.IGNORECASE):
            return _inline(packaged.package, packaged.file)
    problems.append(f"no offline copy of {url}")
    return ""


@cache
def _inline(package: str, file: str) -> str:
    """Return a packaged file as an inline ``<script>`` or ``<style>`` element (cached)."""
    path = package_file(package, file)
    text = path.read_text(encoding="utf-8")
    label = f"/* {file} from xstatic-{package} {_version(package)}, inlined for offline use */"
    if file.endswith(".css"):
        text = _STYLE_END.sub(r"<\\/\1", _data_uris(text, path.parent))
        return f"<style>{label}\n{text}\n</style>"
    text = _SCRIPT_END.sub(r"<\\/\1", _SOURCE_MAP.sub("", text))
    return f"<script>{label}\n{text}\n</script>"


def package_file(package: str, file: str) -> Path:
    """Find a file inside an installed XStatic package.

    Parameters
    ----------
    package
        The XStatic name, e.g. ``"leaflet"`` for ``xstatic.pkg.leaflet``.
    file
        The file inside the package's data folder.

    Returns
    -------
    Path

    Raises
    ------
    OfflineAssetError
        If the package is not installed or lacks the file.
    """
    try:
        module = importlib.import_module(f"xstatic.pkg.{package}")
    except ImportError as error:
        msg = f"offline maps need the package xstatic-{package}: pip install xstatic-{package}"
        raise OfflineAssetError(msg) from error
    path = Path(module.BASE_DIR) / file
    if not path.is_file():
        msg = f"xstatic-{package} has no file {file!r} (looked in {module.BASE_DIR})"
        raise OfflineAssetError(msg)
    return path


def _version(package: str) -> str:
    return str(importlib.import_module(f"xstatic.pkg.{package}").VERSION)


def _data_uris(css: str, folder: Path) -> str:
    """Replace the relative ``url()`` references of a stylesheet with ``data:`` URIs."""

    def encode(match: re.Match[str]) -> str:
        ref = match.group("url").strip()
        if ref.startswith(("data:", "#")) or "//" in ref:
            return match.group(0)  # a remote one is caught by REMOTE_CSS_URL
        path = folder / ref.split("?", 1)[0].split("#", 1)[0]
        if not path.is_file():
            msg = f"stylesheet image {ref!r} is missing from {folder}"
            raise OfflineAssetError(msg)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'url("data:{mime};base64,{data}")'

    return _CSS_URL.sub(encode, css)
