"""Terminal output without the control characters a data file may carry.

Names and other text from input files reach the terminal in tables and messages. A name
holding ANSI escape sequences or other control characters could recolour, hide or rewrite
what the terminal shows; :func:`printable` removes them, and :func:`printable_output` applies
it to everything the command line prints.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

#: Characters that drive a terminal instead of printing: C0 controls but newline (with ESC,
#: which starts ANSI sequences), DEL, C1 controls, and the bidirectional overrides and
#: isolates that reorder a line as shown.
UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Return text without :data:`UNPRINTABLE` characters, safe to show on a terminal.

    Every line the command line prints passes through here: the streams of
    :func:`printable_output`, and the text :class:`siting.report.TerminalConsole` renders.

    Parameters
    ----------
    text
        Any text, e.g. holding a site name from a data file.

    Returns
    -------
    str
    """
    return UNPRINTABLE.sub("", text)


class _PrintableStream:
    """A text stream that writes only printable text (:func:`printable`) to another."""

    def __init__(self, stream: TextIO) -> None:
        self.raw_stream = stream

    def write(self, text: str) -> int:
        self.raw_stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw_stream, name)


@contextlib.contextmanager
def printable_output() -> Iterator[None]:
    """Within, standard output and error print only printable text (:func:`printable`).

    Rich consoles (:class:`siting.report.TerminalConsole`) write their own styles to the
    streams beneath (:func:`raw_stream`).
    """
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (
        s if s is None or isinstance(s, _PrintableStream) else _PrintableStream(s) for s in saved
    )
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def raw_stream(stream: TextIO) -> TextIO:
    """Return the stream beneath one of :func:`printable_output`, else the stream itself."""
    return stream.raw_stream if isinstance(stream, _PrintableStream) else stream
