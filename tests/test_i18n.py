"""Messages in Chinese: a complete catalogue, templates that format, and problem tables a Chinese user can read."""

from __future__ import annotations

import importlib.util
import pickle
import re
from pathlib import Path

import pandas as pd
import polib
import pytest

from diffusion import ValidationError, read_cases
from diffusion.cli import main
from diffusion.i18n import Text, catalogue, level_name, placeholders, t, translate, translate_problems
from tests.messy_files import write_messy_files

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")  # characters and full-width punctuation


def _script():
    spec = importlib.util.spec_from_file_location("update_catalogue", ROOT / "scripts" / "update_catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


def test_every_message_of_the_code_has_a_chinese_translation_and_none_is_stale():
    in_code = set(SCRIPT.templates())
    entries = {e.msgid: e.msgstr for e in polib.pofile(str(ROOT / "diffusion" / "locale" / "zh.po"))}
    assert sorted(in_code - set(entries)) == []  # run scripts/update_catalogue.py, then translate
    assert sorted(m for m in in_code if not entries[m]) == []
    assert sorted(set(entries) - in_code) == []  # stale entries: run scripts/update_catalogue.py


def test_templates_are_literals_and_calls_give_exactly_their_fields():
    calls = SCRIPT.t_calls()
    assert len(calls) > 150
    assert [(f, c.lineno) for f, c in calls if SCRIPT.literal(c) is None] == []
    wrong = [
        (f, c.lineno, SCRIPT.literal(c))
        for f, c in calls
        if {k.arg for k in c.keywords} != placeholders(SCRIPT.literal(c))
    ]
    assert wrong == []


def test_each_translation_keeps_the_fields_of_its_template_and_is_chinese():
    zh = catalogue("zh")
    assert {m: placeholders(m) for m in zh} == {m: placeholders(s) for m, s in zh.items()}
    assert [m for m, s in zh.items() if not CJK.search(s)] == []


def test_a_message_is_its_english_text_survives_pickling_and_translates_nested_values():
    message = t("unknown {level}", level=level_name("county"))
    assert message == "unknown county" and isinstance(message, str)
    assert translate(message, "zh") == "未知的区县"
    assert translate(message, "en") == "unknown county"
    back = pickle.loads(pickle.dumps(message))
    assert back == message and translate(back, "zh") == "未知的区县"
    assert translate("plain text", "zh") == "plain text"  # not a message: shown as given
    assert translate(level_name("canton"), "zh") == "canton"  # a user's own level name


def test_a_problem_table_in_chinese_translates_messages_and_headings_but_not_values():
    table = ValidationError(
        [
            {
                "file": "f.csv",
                "row": 2,
                "column": "county",
                "value": "新华县",
                "problem": t("unknown place"),
                "expected": t("one of {names}", names=["a", "b"]),
                "fix": t("fill it in"),
            }
        ]
    ).failures
    zh = translate_problems(table, "zh")
    assert list(zh.columns) == ["文件", "行", "列", "值", "问题", "应为", "修改方法"]
    assert zh.iloc[0].tolist() == ["f.csv", 2, "county", "新华县", "未知地点", "['a', 'b'] 之一", "填写它"]
    assert translate_problems(table, "en") is table


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("messy")
    return folder, write_messy_files(folder)


def _tables(folder, files) -> pd.DataFrame:
    """Every failure of the refused files and every warning of the accepted ones."""
    tables = []
    for m in files:
        try:
            tables.append(read_cases(folder / m.name).warnings)
        except ValidationError as exc:
            tables.append(exc.failures)
    return pd.concat([x for x in tables if len(x)], ignore_index=True)


def test_every_problem_of_the_messy_files_reads_in_chinese(messy):
    folder, files = messy
    english = _tables(folder, files)
    assert len(english) >= 15
    chinese = translate_problems(english, "zh")
    for col, zh_col in (("problem", "问题"), ("expected", "应为"), ("fix", "修改方法")):
        untranslated = [e for e, z in zip(english[col], chinese[zh_col]) if e and (z == e or not CJK.search(z))]
        assert untranslated == [], col
    cells = [not isinstance(v, Text) for v in english["value"]]  # the user's cells, not our descriptions of them
    assert chinese["值"][cells].tolist() == english["value"][cells].tolist()


def test_the_command_line_speaks_chinese_with_lang_zh(messy, tmp_path, capsys):
    folder, _ = messy
    out = tmp_path / "problems.csv"
    assert main(["validate", str(folder / "bad_year.csv"), "--lang", "zh", "--problems", str(out)]) == 2
    err = capsys.readouterr().err
    assert "发现 1 个问题，未写出任何文件" in err and "无法识别的年份" in err and "把年份写成数字" in err
    written = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(written.columns) == ["文件", "行", "列", "值", "问题", "应为", "修改方法"]
    assert written.loc[0, "问题"] == "无法识别的年份"
    assert main(["validate", str(folder / "traditional.csv"), "--lang", "zh"]) == 0
    captured = capsys.readouterr()
    assert "有效：未发现问题。" in captured.out and "繁体字已按简体读取" in captured.err
    assert "2 个案例已归入批次" in captured.err  # the coverage statement too
