"""The report in Chinese: its own prose is Chinese, its numbers are those of the English report, and
the texts of the template escape what comes from the data."""

from __future__ import annotations

import json

import pytest

from diffusion import load_dataset
from diffusion.i18n import joined, t, template_text, translate, translate_all
from diffusion.report.render import write_report
from tests.report_text import data_strings, prose_share

DATASETS = ["leading-cases", "broadband-china"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Both bundled datasets' reports in both languages: {(name, lang): html path}."""
    out = {}
    for name in DATASETS:
        ds = load_dataset(name)
        for lang in ("en", "zh"):
            out[name, lang] = write_report(ds, tmp_path_factory.mktemp(f"{name}-{lang}"), lang=lang, progress=False)
    return out


@pytest.mark.parametrize("name", DATASETS)
def test_the_chinese_report_speaks_chinese(reports, name):
    names = data_strings(load_dataset(name))
    share, english = prose_share(reports[name, "zh"].read_text(encoding="utf-8"), names)
    assert share >= 0.95, english  # the goal of the issue; every English piece is listed on failure
    # The measure tells the languages apart: the English report's prose is English.
    assert prose_share(reports[name, "en"].read_text(encoding="utf-8"), names)[0] < 0.1


def _numbers(value) -> list[float]:
    """Every number inside a part of a result document (strings, which differ by language, left out)."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value] if isinstance(value, int | float) and not isinstance(value, bool) else []


def _numbers_by_section(document: dict) -> dict[str, list[float]]:
    """Each section's numbers, sorted: rows sorted by a practice's name come in another order in Chinese."""
    return {key: sorted(_numbers(part)) for key, part in document.items()}


@pytest.mark.parametrize("name", DATASETS)
def test_the_language_changes_words_not_numbers(reports, name):
    def document(lang):
        return json.loads(reports[name, lang].with_suffix(".json").read_text(encoding="utf-8"))

    en, zh = document("en"), document("zh")
    assert _numbers_by_section(zh) == _numbers_by_section(en) and len(_numbers(en)) > 500
    assert zh["tests"]["table"]["columns"] == en["tests"]["table"]["columns"]  # the JSON's keys do not move
    assert "偶然" in zh["tests"]["table"]["rows"][0][-1] and "chance" in en["tests"]["table"]["rows"][0][-1]


def test_template_texts_keep_their_markup_and_escape_their_values():
    zh = template_text("zh")
    text = zh("Not inferred: {reason}", reason="<script>x</script>")
    assert text == "未推断：&lt;script&gt;x&lt;/script&gt;"
    # A wrapped paragraph of the template is found under its text with spaces collapsed.
    assert zh("Top senders\n   and receivers") == "主要的发送方与接收方"
    assert template_text("en")("<em>{n}</em> rows", n="<b>") == "<em>&lt;b&gt;</em> rows"
    # A message from the data's side (here a level name) is translated before it is escaped.
    assert zh("Adopting units and events per {level}", level=t("county")) == "各区县的采纳单位数与采纳事件数"


def test_joined_messages_read_as_one_text_in_each_language():
    message = joined(t("Neighbours adopt at similar times."), t("No spatial pattern in timing."), "")
    assert message == "Neighbours adopt at similar times. No spatial pattern in timing."
    assert translate(message, "zh") == "相邻地区的采纳时间相近。采纳时间没有空间模式。"  # no space after 。
    listed = joined(t("county"), t("village"), sep=", ")
    assert (listed, translate(listed, "zh")) == ("county, village", "区县、村")
    assert translate_all({"a": [listed, 1.5, None]}, "zh") == {"a": ["区县、村", 1.5, None]}


def test_why_a_test_could_not_run_is_said_in_the_report_s_language(five_regions, fiveland_cases, fiveland_practices):
    # A user's geography without adjacency, and too few adoptions for a model: the reasons are messages too.
    import diffusion

    ds = diffusion.read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    (five_regions / "adjacency.csv").unlink()
    bare = diffusion.read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    tests = [{"test": "neighbour"}, {"test": "event-history"}, {"test": "structure"}]
    english = diffusion.report_tests(bare, tests, lang="en")["interpretation"].tolist()
    chinese = diffusion.report_tests(bare, tests, lang="zh")["interpretation"].tolist()
    assert "no ties between units at level 'state' (the geography gives no neighbours" in english[0]
    assert "'state' 层级的单位之间没有联系（地理数据未给出相邻关系" in chinese[0]
    assert "adoptions in practice-periods where some regions adopted" in english[1]
    assert "至少需要 5 次" in chinese[1]
    assert chinese[2].startswith("未检验：没有图：'state' 层级的单位之间没有联系") and "no graph" in english[2]
    at_region = diffusion.report_tests(ds, tests[:1], lang="zh")["interpretation"].iloc[0]
    assert "地理数据只给出 'region' 层级的相邻关系" in at_region  # neighbours below the tested level
