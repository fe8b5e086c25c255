"""Pulumi.yaml and stack files: the engine refuses what the Pulumi CLI refuses, with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from private_acr_preview.cli import main
from private_acr_preview.project import ConfigFileError, load_config

PROGRAM = "import pulumi\npulumi.export('config', pulumi.Config().get_object('all'))\n"


def _project(tmp_path: Path, project_yaml: str, stack_yaml: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_yaml)
    (tmp_path / "Pulumi.test.yaml").write_text(stack_yaml)
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return tmp_path


def _refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], project_yaml: str, stack_yaml: str
) -> str:
    program = _project(tmp_path, project_yaml, stack_yaml)
    assert main(["--stack", "test", "--program", str(program), "--no-policy"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


HEAD = "name: demo\nruntime: python\n"


@pytest.mark.parametrize(
    ("declaration", "value", "expected"),
    [
        ("type: boolean", "maybe", "'flag' must be of type 'boolean' (got 'maybe')"),
        ("type: boolean", "yes", "'flag' must be of type 'boolean' (got 'yes')"),
        ("type: integer", "'3.5'", "'flag' must be of type 'integer'"),
        ("type: string", "{a: 1}", "'flag' must be of type 'string'"),
        ("type: object", "plain", "'flag' must be of type 'object'"),
        (
            "{type: array, items: {type: integer}}",
            "[1, x]",
            "'flag' must be of type 'array<integer>'",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], declaration: str, value: str, expected: str
) -> None:
    spec = declaration if declaration.startswith("{") else f"{{{declaration}}}"
    err = _refused(
        tmp_path, capsys, f"{HEAD}config:\n  flag: {spec}\n", f"config:\n  demo:flag: {value}\n"
    )
    assert expected in err


@pytest.mark.parametrize(
    ("declaration", "value"),
    [
        ("type: boolean", "true"),
        ("type: boolean", "'false'"),
        ("type: integer", "7"),
        ("type: integer", "'-7'"),
        ("type: string", "7"),
        ("type: object", "{a: [1]}"),
        ("{type: array, items: {type: string}}", "[a, b]"),
    ],
)
def test_values_of_the_declared_type_pass(tmp_path: Path, declaration: str, value: str) -> None:
    spec = declaration if declaration.startswith("{") else f"{{{declaration}}}"
    program = _project(
        tmp_path, f"{HEAD}config:\n  flag: {spec}\n", f"config:\n  demo:flag: {value}\n"
    )
    assert "demo:flag" in load_config(program, "test")[1]


def test_a_declared_default_reaches_the_program_when_the_stack_omits_the_key(
    tmp_path: Path,
) -> None:
    program = _project(
        tmp_path,
        f"{HEAD}config:\n  size: {{type: integer, default: 3}}\n  tags: {{type: object, default: {{a: b}}}}\n",
        "config: {}\n",
    )
    config = load_config(program, "test")[1]
    assert config["demo:size"] == "3" and json.loads(config["demo:tags"]) == {"a": "b"}


def test_keys_without_default_or_value_must_be_set_by_the_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(
        tmp_path,
        capsys,
        f"{HEAD}config:\n  b: {{type: string}}\n  a: {{type: string}}\n",
        "config: {}\n",
    )
    assert "Stack 'test' is missing configuration values 'a' and 'b'" in err


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("flag: {type: float}", "config.flag.type: got 'float'"),
        ("flag: {type: array}", "declares an array but not the type of its 'items'"),
        ("flag: {type: integer, default: x}", "config.flag.default: got 'x'"),
        ("flag: {default: 1, value: 2}", "cannot have both a 'default' and a 'value'"),
        ("flag: {typ: string}", "config.flag.typ: not allowed in a config declaration"),
        ("'aws:region': {type: string}", "is not namespaced by the project"),
        ("'aws:region': {description: region}", "needs a 'value'"),
    ],
)
def test_declarations_the_cli_rejects_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, expected: str
) -> None:
    assert expected in _refused(tmp_path, capsys, f"{HEAD}config:\n  {config}\n", "config: {}\n")


def test_a_stack_key_without_a_namespace_is_the_projects_as_the_cli_reads_it(
    tmp_path: Path,
) -> None:
    # workspace/loaders.go stackConfigNamespacedWithProject (CLI v3.44 and later).
    program = _project(tmp_path, HEAD, "config:\n  flag: on\n  aws:region: x\n")
    assert load_config(program, "test")[1] == {"demo:flag": "on", "aws:region": "x"}


@pytest.mark.parametrize(
    ("stack_yaml", "expected"),
    [
        ("config:\n  flag: 1\n  demo:flag: 2\n", "config keys 'flag' and 'demo:flag' are both"),
        ("config:\n  a:b:c: 1\n", "config key 'a:b:c': expected the form <namespace>:<name>"),
        # A mapping with a key that is not a string is not namespaced by the CLI.
        ("config:\n  flag: 1\n  7: 2\n", "config key 'flag': expected the form"),
    ],
)
def test_stack_keys_the_cli_cannot_parse_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack_yaml: str, expected: str
) -> None:
    assert expected in _refused(tmp_path, capsys, HEAD, stack_yaml)


def test_a_duplicate_key_in_the_stack_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path, capsys, HEAD, "config:\n  demo:a: 1\n  demo:a: 2\n")
    assert "mapping key 'demo:a' already defined at line 2" in err


def test_an_alias_bomb_is_refused_instead_of_expanded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    levels = ["  demo:l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"  demo:l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    err = _refused(tmp_path, capsys, HEAD, "config:\n" + "\n".join(levels) + "\n")
    assert "document contains excessive aliasing" in err


def test_a_non_python_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(tmp_path, capsys, "name: demo\nruntime: nodejs\n", "config: {}\n")
    assert "runtime: got 'nodejs'; this engine runs Python programs" in err


def test_the_old_config_module_form_of_a_stack_key_is_read(tmp_path: Path) -> None:
    program = _project(tmp_path, HEAD, "config:\n  demo:config:size: 2\n")
    assert load_config(program, "test")[1] == {"demo:size": "2"}


def test_object_config_reaches_the_program_with_its_keys_sorted_as_the_cli_marshals_it(
    tmp_path: Path,
) -> None:
    # The CLI holds an object as a Go map and json.Marshal sorts map keys, at every depth.
    program = _project(
        tmp_path,
        f"{HEAD}config:\n  tasks: {{type: object, default: {{}}}}\n",
        "config:\n  demo:tasks:\n    zeta: {b: 1, a: 2}\n    alpha: {note: 'a<b & c>d'}\n",
    )
    text = load_config(program, "test")[1]["demo:tasks"]
    assert list(json.loads(text)) == ["alpha", "zeta"]
    assert list(json.loads(text)["zeta"]) == ["a", "b"]
    assert text == '{"alpha":{"note":"a\\u003cb \\u0026 c\\u003ed"},"zeta":{"a":2,"b":1}}'


def test_a_null_default_is_no_default_as_the_cli_reads_it(tmp_path: Path) -> None:
    program = _project(tmp_path, f"{HEAD}config:\n  size: {{type: integer, default: null}}\n", "")
    with pytest.raises(ConfigFileError, match="missing configuration value 'size'"):
        load_config(program, "test")
