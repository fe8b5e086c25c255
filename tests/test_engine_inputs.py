"""What the engine reads: YAML scalars as yaml.v3 resolves them, files, and the config's size.

Expected values are read from the sources the Pulumi CLI builds on: gopkg.in/yaml.v3 v3.0.1
(resolve.go ``resolve``, decode.go ``scalar``, readerc.go), Go's ``strconv`` and
``encoding/json``, pulumi's config/object.go, and Linux's ``MAX_ARG_STRLEN``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from private_acr_preview.cli import main
from private_acr_preview.input_files import InputFileError, read_bytes, read_json
from private_acr_preview.project import load_config

HEAD = "name: demo\nruntime: python\n"
PROGRAM = "import pulumi\n"


def _program(tmp_path: Path, stack_text: str | bytes, project_yaml: str = HEAD) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_yaml)
    stack = tmp_path / "Pulumi.test.yaml"
    if isinstance(stack_text, bytes):
        stack.write_bytes(stack_text)
    else:
        stack.write_text(stack_text)
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def _value(tmp_path: Path, yaml_value: str) -> str:
    """The text the program sees for ``demo:v`` written as ``yaml_value``."""
    return load_config(_program(tmp_path, f"config:\n  demo:v: {yaml_value}\n"), "test")[1][
        "demo:v"
    ]


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], stack_text: str | bytes) -> str:
    program = _program(tmp_path, stack_text)
    assert main(["--stack", "test", "--program", str(program), "--no-policy"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "the program failed" not in captured.err
    assert captured.out == ""
    return captured.err


@pytest.mark.parametrize(
    ("written", "seen"),
    [
        # Booleans are the three spellings of true and false; YAML 1.1's others stay text.
        ("on", "on"),
        ("yes", "yes"),
        ("TRUE", "true"),
        # strconv.ParseInt(text, 0, 64) after dropping underscores: a leading 0 is octal.
        ("010", "8"),
        ("0x1F", "31"),
        ("-0x10", "-16"),
        ("0o17", "15"),
        ("0b101", "5"),
        ("1_000", "1000"),
        # Not an octal number, so yaml.v3's float pattern reads it: 9, marshalled by Go as 9.
        ("09", "9"),
        # Past uint64: a float, which encoding/json writes in full below 1e21.
        ("99999999999999999999", "100000000000000000000"),
        ("18446744073709551615", "18446744073709551615"),
        ("1e21", "1e+21"),
        ("0.0000001", "1e-7"),
        ("0.000001", "0.000001"),
        ("1.50", "1.5"),
        # ParseFloat fails with a range error, so the scalar stays a string.
        ("1e999", "1e999"),
        (".5", "0.5"),
        # Timestamps decode to time.Time; config/object.go keeps time.Time.String().
        ("2024-05-01", "2024-05-01 00:00:00 +0000 UTC"),
        ("2024-05-01T10:20:30.250Z", "2024-05-01 10:20:30.25 +0000 UTC"),
        ("2024-05-01 10:20:30", "2024-05-01 10:20:30 +0000 UTC"),
        ("2024-02-30", "2024-02-30"),
        ("'2024-05-01'", "2024-05-01"),
        # Explicit tags that resolve: !!str keeps the text, !!float takes an integer.
        ("!!str 010", "010"),
        ("!!int '12'", "12"),
        ("!!float 3", "3"),
        ("!!bool 'true'", "true"),
        ("!!binary aGVsbG8=", "hello"),
        ("! 3", "3"),
        ("!Ref name", "name"),
        (
            "{b: 1, a: [2.5, null, 2024-05-01]}",
            '{"a":[2.5,null,"2024-05-01 00:00:00 +0000 UTC"],"b":1}',
        ),
        ('"tab\\there"', "tab\there"),
    ],
)
def test_a_stack_value_reaches_the_program_as_the_cli_reads_it(
    tmp_path: Path, written: str, seen: str
) -> None:
    assert _value(tmp_path, written) == seen


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("!!bool 'on'", "line 2: config.demo:v: cannot decode !!str `on` as a !!bool"),
        ("!!bool yes", "cannot decode !!str `yes` as a !!bool"),
        ("!!null 3", "line 2: config.demo:v: cannot decode !!int `3` as a !!null"),
        ("!!int 3.5", "cannot decode !!float `3.5` as a !!int"),
        ("!!timestamp soon", "cannot decode !!str `soon` as a !!timestamp"),
        ("[1, !!null x]", "config.demo:v[1]: cannot decode !!str `x` as a !!null"),
        ("{a: {b: !!bool off}}", "config.demo:v.a.b: cannot decode !!str `off` as a !!bool"),
        ("!!binary '%%%'", "!!binary value contains invalid base64 data"),
        ('"\\ud800"', "line 2: found invalid Unicode character escape code"),
    ],
)
def test_a_tagged_value_the_cli_refuses_is_refused_naming_key_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, expected: str
) -> None:
    assert expected in _refused(tmp_path, capsys, f"config:\n  demo:v: {written}\n")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (".inf", "demo:v: .inf is not a number JSON can hold"),
        ("-.Inf", "demo:v: -.inf is not a number JSON can hold"),
        (".nan", "demo:v: .nan is not a number JSON can hold"),
        ("{limits: {cpu: .inf}}", "demo:v.limits.cpu: .inf is not a number JSON can hold"),
        ("[1, .NaN]", "demo:v[1]: .nan is not a number JSON can hold"),
    ],
)
def test_an_infinity_or_nan_is_refused_as_go_json_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, expected: str
) -> None:
    err = _refused(tmp_path, capsys, f"config:\n  demo:v: {written}\n")
    assert "Pulumi.test.yaml: " in err and expected in err


def test_a_file_that_is_not_utf8_is_refused_naming_the_byte_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path, capsys, b"config:\n  demo:v: caf\xe9\n")
    assert "Pulumi.test.yaml: not UTF-8 text: byte 0xe9 at line 2, column 14" in err


def test_a_control_character_is_refused_naming_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path, capsys, "config:\n  demo:v: a\x01b\n")
    assert "Pulumi.test.yaml: line 2, column 12: control character U+0001 is not allowed" in err


def test_byte_order_marks_are_read_as_the_cli_reads_them(tmp_path: Path) -> None:
    text = "config:\n  demo:v: x\n"
    program = _program(tmp_path, b"\xef\xbb\xbf" + text.encode())
    assert load_config(program, "test")[1] == {"demo:v": "x"}
    program = _program(tmp_path, text.encode("utf-16"))
    assert load_config(program, "test")[1] == {"demo:v": "x"}


# Linux refuses one environment string longer than 131,072 bytes with its NUL (MAX_ARG_STRLEN);
# "PULUMI_CONFIG=" is 14 bytes and '{"demo:v":""}' 13, so a value of 131,044 bytes is the most.
@pytest.mark.parametrize(("length", "fits"), [(131_044, True), (131_045, False)])
def test_a_config_the_cli_cannot_pass_in_one_environment_variable_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], length: int, fits: bool
) -> None:
    stack = f"config:\n  demo:v: {'a' * length}\n"
    if fits:
        assert len(load_config(_program(tmp_path, stack), "test")[1]["demo:v"]) == length
        return
    err = _refused(tmp_path, capsys, stack)
    assert "takes 131,073 bytes as the Pulumi CLI passes it" in err
    assert "over the 131,072 bytes (128 KiB) Linux allows one variable" in err
    assert "The largest key is 'demo:v'" in err


def test_the_size_limit_is_the_kernels(tmp_path: Path) -> None:
    # The oracle for the test above: exec itself, with the variable one byte either side.
    for length, fits in ((131_057, True), (131_058, False)):
        env = {"PULUMI_CONFIG": "x" * length}
        try:
            subprocess.run([sys.executable, "-c", ""], env=env, check=True)
            started = True
        except OSError:
            started = False
        assert started == fits


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux device files")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("/dev/zero", "a character device, not a regular file"),
        ("/dev/stdin", "standard input; the offline preview never reads standard input"),
        ("-", "standard input"),
        ("DIR", "a directory, not a regular file"),
        ("FIFO", "a pipe (FIFO), not a regular file"),
        ("MISSING", "no such file"),
    ],
)
@pytest.mark.parametrize("option", ["--existing", "--policy-config", "--config-file"])
def test_an_input_that_is_not_a_regular_file_is_refused_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, expected: str, option: str
) -> None:
    program = _program(tmp_path, "config: {}\n")
    special = {"DIR": tmp_path / "dir", "FIFO": tmp_path / "fifo", "MISSING": tmp_path / "nope"}
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    path = special.get(name, Path(name))
    code = main(["--stack", "test", "--program", str(program), "--no-policy", option, str(path)])
    err = capsys.readouterr().err
    assert code == 2
    if option == "--config-file" and name == "MISSING":
        expected = "stack config file not found"
    assert f"{option} {path}: {expected}" in err, err


def test_an_input_larger_than_its_bound_is_refused_saying_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * 2048 + b"]")
    with pytest.raises(InputFileError, match=r"--existing .*big\.json: larger than 1,024 bytes"):
        read_bytes(path, option="--existing", limit=1024)
    assert read_bytes(path, limit=2050) == path.read_bytes()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"a": NaN}', "NaN at line 1, column 7 is not a finite JSON number"),
        ('{\n  "a": [1, -Infinity]}', "-Infinity at line 2, column 12 is not a finite JSON number"),
        ('{"a": 1e999}', "1e999 at line 1, column 7 is not a finite JSON number"),
        ("\ufeff{}", "byte-order mark"),
        ('{"a": }', "not valid JSON: Expecting value at line 1, column 7"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_json_inputs_are_read_as_go_reads_them(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match="--policy-config") as raised:
        read_json(path, option="--policy-config")
    assert expected in str(raised.value)
