"""Every command shown in README.md and docs/api.md runs, exits as documented, prints its key.

Shell blocks: each line starting ``siting``, ``.venv/bin/siting`` or ``make`` is one test, run
as ``python -m siting ...`` in a fresh folder (outputs go to its ``out/`` and ``maps/``, the
defaults, which are relative), with the files a block writes first (``cat > my.toml <<EOF``)
and the repository's ``sweeps/`` linked in. Python blocks: a document's blocks continue one
session, so they run in order in one subprocess in a fresh folder, and each block is one test
of whether it raised. The long commands run with a shorter time limit and are marked ``slow``
(as is docs/api.md's session, which solves the prefecture scenario); ``make`` is not run here.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import REPO

DOCS = ("README.md", "docs/api.md")

#: What each command prints (a regular expression searched in standard output); a command
#: not listed must still exit 0 and print something.
KEY_LINES = {
    "siting optimize my.toml": r"scenario tight-sla · cbc (optimal|feasible)",
    "siting validate my.toml": r"my\.toml: valid · \d+ sites, \d+ hubs",
    "siting compare": r"2023-training-boom.*2025-inference-shift",
    "siting audit --built 2023-training-boom": r"Idle [\d,]+ MW",
    "siting audit --built existing": r"Idle [\d,]+ MW",
    "siting robust": r"robust",
    "siting whynot": r"Why not there\?",
    "siting tradeoff --param classes.realtime.sla_ms": r"Cost against classes\.realtime\.sla_ms",
    "siting tradeoff realtime-10ms --param latency.layer": r"Cost against latency\.layer",
    "siting tradeoff realtime-10ms --param classes.realtime.share": (
        r"Cost against classes\.realtime\.share"
    ),
    "siting latency": r"round trip",
    "siting batch": r"\d+ (scenarios|points)",
    "siting classic --kinds": r'"plans"|"kinds"|p-median|mclp',
    "siting classic prefecture": r"p-median",
    "siting classic": r"p-median",
    "siting scenarios": r"2023-training-boom",
    "siting optimize county-all": r"scenario county-all · highs (optimal|feasible)",
    "siting optimize prefecture --json": r'"provenance"',
    "siting optimize --quiet": r"^out/default\n?$",
    "siting optimize county --strict": r"scenario county · highs (optimal|feasible)",
    "siting plan 2023-2030": r"2023-2030: perfect foresight",
    "siting plan 2023-2025-as-built": r"Stranded in 2025 by province",
    "siting plan 2023-2025-as-built-low": r"Idle in 2024 \(installed MW",
    "siting plan 2023-2025-margin": r"Stranded in 2025 by province",
    "siting plan 2023-planner": r"Cost of myopia",
}

#: Commands that take minutes: run with this time limit (s) and marked slow.
SLOW = {
    "siting optimize county-all": None,  # as shown: a shorter limit leaves no plan
    "siting optimize county --strict": None,
    "siting optimize prefecture --json": 30,
    "siting classic prefecture": 30,
    "siting batch": None,
    "siting whynot": None,
    "siting robust": None,
}

#: Exit statuses other than 0 that a command may give as documented.
EXITS = {"siting optimize county --strict": (0, 3)}


@dataclass(frozen=True)
class Shown:
    """One command or Python block shown in a document."""

    doc: str
    line: int
    kind: str  # "sh", "make" or "python"
    text: str
    files: tuple[tuple[str, str], ...] = ()  # heredocs the block writes before it

    @property
    def id(self) -> str:
        words = self.text.splitlines()[0] if self.kind != "python" else f"python-L{self.line}"
        return f"{Path(self.doc).name}:{words}"[:90]


def _blocks(doc: str) -> list[tuple[int, str, str]]:
    """Fenced code blocks of a document: (first line number, language, text)."""
    text = (REPO / doc).read_text(encoding="utf-8")
    found = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        found.append((text[: match.start()].count("\n") + 2, match.group(1), match.group(2)))
    return found


def shown() -> list[Shown]:
    """Every command and Python block of :data:`DOCS`, in order."""
    found: list[Shown] = []
    for doc in DOCS:
        for first, language, body in _blocks(doc):
            if language == "python":
                found.append(Shown(doc, first, "python", body))
                continue
            if language != "sh":
                continue
            files: list[tuple[str, str]] = []
            lines = body.splitlines()
            i = 0
            while i < len(lines):
                line = lines[i].strip()
                heredoc = re.fullmatch(r"cat > (\S+) <<'?(\w+)'?", line)
                if heredoc:
                    end = lines.index(heredoc.group(2), i + 1)
                    files.append((heredoc.group(1), "\n".join(lines[i + 1 : end]) + "\n"))
                    i = end + 1
                    continue
                words = shlex.split(line, comments=True)
                if words and words[0] in ("siting", ".venv/bin/siting", "make"):
                    kind = "make" if words[0] == "make" else "sh"
                    command = shlex.join(["siting", *words[1:]] if kind == "sh" else words)
                    found.append(Shown(doc, first + i, kind, command, tuple(files)))
                i += 1
    return found


def _key(command: str) -> str | None:
    """The longest :data:`KEY_LINES` (or other table) entry the command starts with."""
    keys = [k for k in KEY_LINES if command == k or command.startswith(k + " ")]
    return max(keys, key=len) if keys else None


def _slow_key(command: str) -> str | None:
    keys = [k for k in SLOW if command == k or command.startswith(k + " ")]
    return max(keys, key=len) if keys else None


def _slow(item: Shown) -> bool:
    """A long command, or a Python session that solves the prefecture scenario."""
    if item.kind == "python":
        session = [s.text for s in shown() if s.doc == item.doc and s.kind == "python"]
        return any("prefecture" in text for text in session)
    return _slow_key(item.text) is not None


def _params() -> list:
    params = []
    for item in shown():
        marks = []
        if item.kind == "make":
            marks.append(pytest.mark.skip(reason="make demo/test build the venv: run by hand"))
        elif _slow(item):
            marks.append(pytest.mark.slow)
        params.append(pytest.param(item, id=item.id, marks=marks))
    return params


def _run(argv: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "120"}
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _my_toml() -> tuple[str, str]:
    """The scenario file the README writes (``my.toml``), which docs/api.md uses too."""
    for item in shown():
        for name, text in item.files:
            if name == "my.toml":
                return name, text
    raise AssertionError("README.md no longer writes my.toml")


def test_every_command_is_found() -> None:
    """The reader sees what the documents show (a broken fence would hide commands)."""
    commands = [s.text for s in shown() if s.kind == "sh"]
    assert "siting tradeoff realtime-10ms --param latency.layer --values optical,ip,internet" in (
        commands
    )
    assert len(commands) >= 20 and any(s.kind == "python" for s in shown())
    assert [s.text for s in shown() if s.kind == "sh" and not _key(s.text)] == []


#: Runs each block of a session in one namespace; writes each block's traceback or null.
_SESSION = """
import json, sys, traceback
blocks = json.loads(open(sys.argv[1], encoding="utf-8").read())
space = {"__name__": "__main__"}
outcome = []
for number, code in blocks:
    try:
        exec(compile(code, f"block at line {number}", "exec"), space)
        outcome.append(None)
    except BaseException:
        outcome.append(traceback.format_exc())
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(outcome))
"""

_SESSIONS: dict[str, dict[int, str | None]] = {}


def _folder(path: Path) -> Path:
    """Set up a fresh working folder: ``sweeps/`` linked, ``my.toml`` written."""
    (path / "sweeps").symlink_to(REPO / "sweeps")
    name, text = _my_toml()
    (path / name).write_text(text, encoding="utf-8")
    return path


def _session(doc: str, tmp_path_factory) -> dict[int, str | None]:
    """Run a document's Python blocks in order, once; each block's traceback (or None)."""
    import json

    if doc not in _SESSIONS:
        folder = _folder(tmp_path_factory.mktemp("session"))
        blocks = [(s.line, s.text) for s in shown() if s.doc == doc and s.kind == "python"]
        (folder / "blocks.json").write_text(json.dumps(blocks), encoding="utf-8")
        (folder / "session.py").write_text(_SESSION, encoding="utf-8")
        result = _run([sys.executable, "session.py", "blocks.json", "outcome.json"], folder)
        assert result.returncode == 0, result.stderr[-3000:]
        outcome = json.loads((folder / "outcome.json").read_text(encoding="utf-8"))
        _SESSIONS[doc] = dict(zip([line for line, _ in blocks], outcome, strict=True))
    return _SESSIONS[doc]


@pytest.mark.parametrize("item", _params())
def test_documented_command_runs(item: Shown, tmp_path, tmp_path_factory) -> None:
    if item.kind == "python":
        failure = _session(item.doc, tmp_path_factory)[item.line]
        assert failure is None, failure
        return
    _folder(tmp_path)
    for name, text in item.files:
        (tmp_path / name).write_text(text, encoding="utf-8")
    words = shlex.split(item.text)[1:]
    slow = _slow_key(item.text)
    if slow is not None and SLOW[slow] is not None:  # a shorter time limit than shown
        if "--time-limit" in words:
            at = words.index("--time-limit")
            del words[at : at + 2]
        words += ["--time-limit", str(SLOW[slow])]
    result = _run([sys.executable, "-m", "siting", *words], tmp_path)
    expected = EXITS.get(_key(item.text) or "", (0,))
    assert result.returncode in expected, f"exit {result.returncode}\n{result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    key = _key(item.text)
    pattern = KEY_LINES[key] if key else r"\S"
    assert re.search(pattern, result.stdout, re.MULTILINE), (pattern, result.stdout[-3000:])
