"""The command line's rooms: one module per command, shared modules that name none."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from siting.cli.commands import COMMANDS
from siting.cli.parser import build_parser

CLI = Path(__file__).resolve().parents[1] / "siting" / "cli"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_every_command_is_one_module_holding_its_parts() -> None:
    files = {p.stem for p in (CLI / "commands").glob("*.py") if p.stem != "__init__"}
    assert list(_subcommands()) == list(COMMANDS)
    assert set(COMMANDS) == files
    for name, module in COMMANDS.items():
        assert module.__name__ == f"siting.cli.commands.{name}"
        for part in ("arguments", "check", "run"):
            assert callable(getattr(module, part)), (name, part)
        assert _subcommands()[name].description == module.DESCRIPTION


def test_the_help_lists_each_module_s_own_line() -> None:
    text = build_parser().format_help()
    for module in COMMANDS.values():
        assert module.HELP in " ".join(text.split())


def test_no_shared_module_switches_on_a_command() -> None:
    """A command's arguments, checks, run and print live in its module, not behind an if."""
    for path in sorted(CLI.glob("*.py")):
        tree = ast.parse(path.read_text())
        named = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in COMMANDS
        }
        assert named == set(), f"{path.name} names commands {sorted(named)}"
