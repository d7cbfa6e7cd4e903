"""The CLI's shared plumbing (``thidua.entrypoints.cli._common``) and the package's shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from thidua.domain.refusals import FieldError, Refusal, RefusalCode
from thidua.entrypoints import cli
from thidua.entrypoints.cli._common import read_model, refusal_message, reported

CLI_DIR = Path(cli.__file__).parent
runner = CliRunner()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str
    year: int


class TestReadModel:
    def test_json_and_yaml_give_the_same_model(self, tmp_path: Path) -> None:
        """A .json file and a .yaml file with the same content read into the same model."""
        (tmp_path / "a.json").write_text('{"unit": "LDVL", "year": 2024}', encoding="utf-8")
        (tmp_path / "a.yaml").write_text("unit: LDVL\nyear: 2024\n", encoding="utf-8")
        assert read_model(tmp_path / "a.json", _Body) == _Body(unit="LDVL", year=2024)
        assert read_model(tmp_path / "a.yaml", _Body) == _Body(unit="LDVL", year=2024)

    def test_bad_yaml_names_file_line_and_column(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Unreadable YAML exits 2 with file:line:column."""
        path = tmp_path / "a.yml"
        path.write_text("unit: LDVL\nyear: [\n", encoding="utf-8")
        with pytest.raises(typer.Exit) as exc:
            read_model(path, _Body)
        assert exc.value.exit_code == 2
        assert f"Lỗi: {path}:3:1: không phải YAML hợp lệ" in capsys.readouterr().err

    def test_invalid_fields_are_named_by_path(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A model error names the file and each field at fault, and exits 2."""
        path = tmp_path / "a.yaml"
        path.write_text("unit: LDVL\nyear: sớm\nextra: 1\n", encoding="utf-8")
        with pytest.raises(typer.Exit) as exc:
            read_model(path, _Body)
        assert exc.value.exit_code == 2
        err = capsys.readouterr().err
        assert "hồ sơ không hợp lệ" in err
        assert f"{path}: year:" in err and f"{path}: extra:" in err


class TestRefusalMessage:
    def test_field_that_is_an_option_of_the_command(self) -> None:
        """A refusal naming a field the command takes as an option is shown as that option."""
        r = Refusal(RefusalCode.NOT_FOUND, "không có đơn vị «X».", field="unit")
        assert refusal_message(r, ("--unit",)) == "--unit: không có đơn vị «X»."

    def test_field_that_is_not_an_option_of_the_command(self) -> None:
        """Otherwise the field path is shown (the field came from an input file)."""
        r = Refusal(RefusalCode.NOT_FOUND, "không có đơn vị «X».", field="unit")
        assert refusal_message(r) == "unit: không có đơn vị «X»."
        r = Refusal(RefusalCode.FORBIDDEN, "không phải năm xét.", field="facts.year")
        assert refusal_message(r, ("--year",)) == "facts.year: không phải năm xét."

    def test_no_field_and_no_repeated_field(self) -> None:
        """No field: the message as it is; a message already led by its field is not doubled."""
        assert refusal_message(Refusal(RefusalCode.INVALID, "sai.")) == "sai."
        r = Refusal(RefusalCode.NOT_FOUND, "unit: không có đơn vị «X».", field="unit")
        assert refusal_message(r, ("--unit",)) == "--unit: không có đơn vị «X»."


def _app_raising(exc: Exception, *options: str, refusal_exit: int = 1) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @reported(*options, refusal_exit=refusal_exit)
    def go() -> None:
        raise exc

    @app.command()
    def other() -> None:  # a second command keeps `go` a subcommand
        pass

    return app


class TestReported:
    def test_refusal_exits_1_with_its_message(self) -> None:
        """A refusal: `Lỗi: …` (with the command's option) and exit 1, no traceback."""
        refusal = Refusal(RefusalCode.NOT_FOUND, "không có đơn vị «X».", field="unit")
        r = runner.invoke(_app_raising(refusal, "--unit"), ["go"])
        assert r.exit_code == 1
        assert r.stderr.strip() == "Lỗi: --unit: không có đơn vị «X»."

    def test_bad_operator_input_exits_2(self) -> None:
        """The operator commands' input errors (they name their option) exit 2."""
        refusal = Refusal(RefusalCode.INVALID, "sai.", field="role")
        r = runner.invoke(_app_raising(refusal, "--role", refusal_exit=2), ["go"])
        assert r.exit_code == 2
        assert r.stderr.strip() == "Lỗi: --role: sai."

    def test_a_field_that_is_an_argument_is_shown_by_its_metavar(self) -> None:
        """An operator command's argument (``USERNAME``) is named as its help shows it."""
        refusal = Refusal(RefusalCode.NOT_FOUND, "không có tài khoản 'x'.", field="username")
        r = runner.invoke(_app_raising(refusal, "USERNAME", refusal_exit=2), ["go"])
        assert r.exit_code == 2
        assert r.stderr.strip() == "Lỗi: USERNAME: không có tài khoản 'x'."

    def test_refusal_with_a_problem_and_errors_lists_its_details(self) -> None:
        """A governance refusal: its message and problem type, then one line per error."""
        exc = Refusal(
            RefusalCode.INVALID,
            "Nội dung không hợp lệ.",
            problem="rules_invalid",
            errors=[FieldError("content", "3:1: x", line=3, column=1)],
        )
        r = runner.invoke(_app_raising(exc), ["go"])
        assert r.exit_code == 1
        assert r.stderr.splitlines() == [
            "Lỗi: Nội dung không hợp lệ. [rules_invalid]",
            "  content: 3:1: x",
        ]

    def test_a_bug_is_one_line_not_a_traceback(self) -> None:
        """An unexpected exception: one line naming it, exit 1."""
        r = runner.invoke(_app_raising(KeyError("k")), ["go"])
        assert r.exit_code == 1
        assert r.stderr.strip() == "Lỗi: lỗi không mong đợi: KeyError: 'k'"


class TestShape:
    def test_group_modules_import_only_common(self) -> None:
        """Each command-group module imports nothing of the CLI package but ``_common``."""
        for path in sorted(CLI_DIR.glob("*.py")):
            if path.name in ("__init__.py", "__main__.py"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
            } | {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            }
            from_cli = {m for m in imported if m.startswith("thidua.entrypoints.cli")}
            assert from_cli <= {"thidua.entrypoints.cli._common"}, (path.name, from_cli)

    def test_modules_stay_small(self) -> None:
        """No CLI module over 500 lines."""
        for path in CLI_DIR.glob("*.py"):
            assert len(path.read_text(encoding="utf-8").splitlines()) <= 500, path.name

    def test_rules_group_has_file_and_governed_commands(self) -> None:
        """`thidua rules` lists the file commands and the governed-version commands together."""
        r = runner.invoke(cli.app, ["rules", "--help"], env={"COLUMNS": "200"})
        assert r.exit_code == 0
        for name in ("check", "test", "evaluate", "diff", "whatif", "reevaluate", "versions"):
            assert f" {name} " in r.output, name
