"""Text reports are read in the encoding their bytes show (UTF-8, UTF-16 with a byte-order mark,
GB18030, Big5; see test_inputs.py); anything else is refused with the file's name."""

import pytest

from fazhi.io import InputError, atomic_write_text, read_report

REPORT = "2022年,区司法局办理行政复议案件319件。\n"


def test_utf8_report_is_read_as_is(tmp_path):
    p = tmp_path / "r.txt"
    p.write_text(REPORT, encoding="utf-8")
    assert read_report(p) == (REPORT, "utf-8")


def test_gb18030_report_is_detected_decoded_and_said_so(tmp_path, caplog):
    p = tmp_path / "r.txt"
    p.write_bytes(REPORT.encode("gb18030"))
    assert read_report(p) == (REPORT, "gb18030")
    assert f"{p}: not UTF-8; decoded as GB18030" in caplog.text


def test_utf8_byte_order_mark_is_dropped(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes(b"\xef\xbb\xbf" + REPORT.encode("utf-8"))
    assert read_report(p)[0] == REPORT


@pytest.mark.parametrize("content, problem", [
    (b"", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    (bytes(range(0x80, 0x100)) * 4, "not valid UTF-8"),
])
def test_bad_input_gets_one_line_naming_the_file(tmp_path, content, problem):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_report(p)
    message = str(err.value)
    assert str(p) in message and problem in message and "\n" not in message


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path / "nope.txt")


def test_atomic_write_gives_the_file_ordinary_permissions(tmp_path):
    import os

    target = tmp_path / "out.txt"
    atomic_write_text(target, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out" / "gold.jsonl"
    atomic_write_text(target, "first\n")

    with pytest.raises(UnicodeEncodeError):  # fails midway, after the temp file exists
        atomic_write_text(target, "second " + "\ud800")
    assert target.read_text() == "first\n"
    assert [p.name for p in target.parent.iterdir()] == ["gold.jsonl"]


def test_a_new_folder_replaces_its_target_whole_or_not_at_all(tmp_path):
    from fazhi.io import new_folder

    target = tmp_path / "part"
    target.mkdir()
    (target / "old.json").write_text("{}")
    with pytest.raises(RuntimeError), new_folder(target) as folder:
        (folder / "half.json").write_text("{")
        raise RuntimeError("interrupted")
    assert [f.name for f in tmp_path.iterdir()] == ["part"]  # nothing half-written left
    assert [f.name for f in target.iterdir()] == ["old.json"]
    with new_folder(target) as folder:
        (folder / "new.json").write_text("{}")
    assert [f.name for f in target.iterdir()] == ["new.json"]  # no file of the earlier save
    assert oct(target.stat().st_mode & 0o777) == "0o755"
