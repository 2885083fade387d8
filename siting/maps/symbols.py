"""The map's symbols as SVG (site pies, existing-capacity rings, idle sites) and its key.

Symbols are drawn from numbers only; no data string is part of an SVG.
"""

from __future__ import annotations

import math

#: Site colours: the training and inference parts of each site's pie, and flows.
TRAINING_COLOUR = "#d7191c"
INFERENCE_COLOUR = "#2c7bb6"
STRANDED_COLOUR = "#e7298a"
EXISTING_COLOUR = "#252525"
HUB_COLOUR = "#ffd92f"
REACH_COLOUR = "#1b9e77"
#: The fibre backbone: a thin dashed purple line, unlike any boundary or flow.
BACKBONE_STYLE = {"color": "#7b3294", "weight": 1.3, "opacity": 0.85, "dashArray": "5 4"}
MAX_RADIUS = 22.0  # px, of the biggest site (by MW hosted or existing)
MIN_RADIUS = 4.0


def radius(mw: float, max_mw: float) -> float:
    """Marker radius in px: area proportional to MW, with a visible minimum."""
    return max(MIN_RADIUS, MAX_RADIUS * math.sqrt(max(mw, 0.0) / max_mw))


def size(r: float) -> int:
    """Side in px of the square image holding a circle of radius ``r``."""
    return math.ceil(2 * r + 3)


def pie_svg(r: float, share: float) -> str:
    """Draw a circle of radius ``r`` in inference colour, its training share as a wedge."""
    d = size(r)
    c = d / 2
    parts = _split(c, r, share, INFERENCE_COLOUR, TRAINING_COLOUR)
    parts.append(
        f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='#fff' stroke-width='2'/>"
        f"<circle cx='{c:g}' cy='{c:g}' r='{r + 0.5:.1f}' fill='none' stroke='#222' "
        "stroke-width='1'/>"
    )
    return _svg(d, "".join(parts))


def ring_svg(r: float, stranded: float) -> str:
    """Draw a ring of radius ``r``, its ``stranded`` share (clockwise from 12) highlighted."""
    d = size(r + 2)
    c = d / 2
    parts = [
        f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='{EXISTING_COLOUR}' "
        "stroke-width='2.5'/>"
    ]
    if stranded >= 0.999:
        parts = [
            f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='{STRANDED_COLOUR}' "
            "stroke-width='4'/>"
        ]
    elif stranded > 0.001:
        parts.append(
            f"<path d='{_arc(c, r, stranded)}' fill='none' stroke='{STRANDED_COLOUR}' "
            "stroke-width='4'/>"
        )
    return _svg(d, "".join(parts))


def filled_svg(r: float, share: float, colour: str) -> str:
    """Draw a circle of radius ``r`` ringed in ``colour``, filled in it over ``share``.

    The filled wedge starts at 12 o'clock and runs clockwise; the rest is white.
    """
    d = size(r)
    c = d / 2
    parts = _split(c, r, share, "#ffffff", colour)
    parts.append(
        f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='none' stroke='{colour}' "
        "stroke-width='2'/>"
    )
    return _svg(d, "".join(parts))


def dot_svg(r: float, fill: str, stroke: str) -> str:
    """Draw a plain circle (a candidate site that hosts nothing)."""
    d = size(r)
    c = d / 2
    body = f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{fill}' stroke='{stroke}' "
    return _svg(d, body + "stroke-width='1.5'/>")


def _split(c: float, r: float, share: float, rest: str, colour: str) -> list[str]:
    """SVG of a disc centred at ``c`` in ``rest``, its ``share`` from 12 o'clock in ``colour``."""
    if share >= 0.999:
        return [f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{colour}'/>"]
    parts = [f"<circle cx='{c:g}' cy='{c:g}' r='{r:.1f}' fill='{rest}'/>"]
    if share > 0.001:
        parts.append(f"<path d='{_arc(c, r, share)} L{c:g},{c:g} Z' fill='{colour}'/>")
    return parts


def _arc(c: float, r: float, share: float) -> str:
    """SVG path data of an arc from the top, clockwise, over ``share`` of the circle."""
    angle = 2 * math.pi * share
    x, y = c + r * math.sin(angle), c - r * math.cos(angle)
    large = 1 if share > 0.5 else 0
    return f"M{c:g},{c - r:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x:.2f},{y:.2f}"


def _svg(d: int, body: str) -> str:
    return f"<svg width='{d}' height='{d}' viewBox='0 0 {d} {d}'>{body}</svg>"


def _line_svg(colour: str, width: float, dash: str = "", opacity: float = 1.0) -> str:
    dashes = f" stroke-dasharray='{dash}'" if dash else ""
    return _svg(
        22,
        f"<path d='M1,11 L21,11' stroke='{colour}' stroke-width='{width}' "
        f"stroke-opacity='{opacity}'{dashes}/>",
    )


def key(*, backbone: bool, clustered: bool) -> str:
    """Return the ``Symbols`` part of the legend (HTML of constants only).

    Parameters
    ----------
    backbone
        Whether the map draws the fibre backbone.
    clustered
        Whether hubs may be gathered into one marker per area.
    """
    hub = _svg(16, f"<path d='M8,2 L14,8 L8,14 L2,8 Z' fill='{HUB_COLOUR}' stroke='#000'/>")
    rows = [
        (
            pie_svg(9, 0.35),
            f"Site: <b style='color:{TRAINING_COLOUR}'>training</b> / "
            f"<b style='color:{INFERENCE_COLOUR}'>inference</b> MW, area ∝ MW",
        ),
        (ring_svg(9, 0.3), f"Existing MW, <b style='color:{STRANDED_COLOUR}'>stranded</b> part"),
        (_line_svg(INFERENCE_COLOUR, 4, opacity=0.6), "Inference flow, width ∝ MW"),
        (hub, "Demand hub, area ∝ MW demand"),
        (dot_svg(MIN_RADIUS, "#ffffff", "#888"), "Candidate site, not used"),
    ]
    if clustered:
        cluster = _svg(
            18,
            f"<circle cx='9' cy='9' r='8' fill='{HUB_COLOUR}' fill-opacity='0.8' stroke='#000'/>"
            "<text x='9' y='9' dy='0.35em' text-anchor='middle' font-size='9'>n</text>",
        )
        rows.append((cluster, "n hubs nearby, area ∝ their MW; zoom in to split"))
    if backbone:
        style = BACKBONE_STYLE
        line = _line_svg(str(style["color"]), 2, str(style["dashArray"]))
        rows.append((line, "Fibre backbone (route, not a border)"))
    body = "".join(
        f"<div><span class='siting-sym'>{s}</span><span>{t}</span></div>" for s, t in rows
    )
    return f"<summary>Symbols</summary>{body}"
