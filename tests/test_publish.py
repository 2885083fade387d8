"""Publishing outputs: all at once or not at all, and race-free between concurrent runs."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from siting.errors import InputError
from siting.io import MARKER, check_output_folder, publish, write_json

FILES = ("a.txt", "b.txt", "c.json")


def _write_as(tag: str):
    def write(folder: Path) -> None:
        for name in FILES[:2]:
            (folder / name).write_text(tag)
        write_json(folder / FILES[2], {"tag": tag})

    return write


def _publish_many(out: str, prefix: str, n: int, threads: int) -> int:
    """Publish the same name ``n`` times from ``threads`` threads; return the count done."""
    done = []

    def one(i: int) -> None:
        publish("same", Path(out), _write_as(f"{prefix}-{i}"))
        done.append(i)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    return len(done)


def _assert_complete_and_alone(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == ["same"]  # no staging, no old folder
    folder = out / "same"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, MARKER])
    tags = {(folder / n).read_text() for n in FILES[:2]}
    assert len(tags) == 1  # every file from the same publisher
    assert f'"tag": "{tags.pop()}"' in (folder / FILES[2]).read_text()


def test_concurrent_threads_publishing_one_name(tmp_path) -> None:
    out = tmp_path / "out"
    assert _publish_many(str(out), "t", 400, 8) == 400
    _assert_complete_and_alone(out)


def test_concurrent_processes_publishing_one_name(tmp_path) -> None:
    out = tmp_path / "out"
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(4, mp_context=context) as pool:
        counts = list(pool.map(_publish_many, [str(out)] * 4, "wxyz", [150] * 4, [4] * 4))
    assert counts == [150] * 4
    _assert_complete_and_alone(out)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_publish_leaves_earlier_output_and_no_staging(tmp_path, error) -> None:
    out = tmp_path / "out"
    publish("same", out, _write_as("first"))

    def fail(folder: Path) -> None:
        (folder / "a.txt").write_text("half")
        raise error

    with pytest.raises(type(error)):
        publish("same", out, fail)
    _assert_complete_and_alone(out)
    assert (out / "same" / "a.txt").read_text() == "first"


def test_write_json_is_atomic_under_concurrent_writers(tmp_path) -> None:
    path = tmp_path / "s.json"

    def write(i: int) -> None:
        for _ in range(50):
            write_json(path, {"i": i, "pad": "x" * 10_000})

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    assert path.read_text().count('"i"') == 1


def test_output_folder_checks(tmp_path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(InputError, match=r"file: field '--out': is a file; expected a folder"):
        check_output_folder(a_file, option="--out")
    with pytest.raises(InputError, match=r"field '--maps': is under a file \(.*file\)"):
        check_output_folder(a_file / "sub" / "deeper", option="--maps")
    with pytest.raises(InputError, match=r"field '--out': cannot be written"):
        check_output_folder("/proc/siting-never", option="--out")
    with pytest.raises(InputError, match=r"field '--out': a NUL byte"):
        check_output_folder("out\x00x", option="--out")
    (tmp_path / "out" / "default").mkdir(parents=True)
    (tmp_path / "out" / "default.html").mkdir()
    with pytest.raises(InputError, match=r"default.html is a folder in the way"):
        check_output_folder(tmp_path / "out", option="--maps", name="default.html")
    (tmp_path / "out2").mkdir()
    (tmp_path / "out2" / "default").write_text("x")
    with pytest.raises(InputError, match=r"default is a file in the way"):
        check_output_folder(tmp_path / "out2", option="--out", name="default")
    check_output_folder(tmp_path / "new" / "deep", option="--out", name="default")
    check_output_folder(tmp_path / "out", option="--out", name="default")
    assert not (tmp_path / "new").exists()  # checking creates nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "out", "out2"]
