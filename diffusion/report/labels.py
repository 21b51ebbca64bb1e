"""The report's fixed text in each language: headings, labels and column headings."""

from __future__ import annotations

import re

from diffusion.i18n import known_levels, level_name, level_plural, translate

__all__ = ["COLUMNS_ZH", "LABELS", "column_heading"]

#: Headings and fixed labels of the report in each language; names come from the data.
LABELS = {
    "en": {
        "report": "Policy-diffusion report",
        "findings": "Key findings",
        "dataset": "dataset",
        "geography": "geography",
        "summary": "Dataset summary",
        "coverage": "Data and coverage",
        "adoption": "Adoption by period and practice",
        "by": "Adoption by",
        "spread": "Spread of each practice",
        "maps": "Maps of adoption",
        "network": "Diffusion network",
        "channels": "Channels of spread",
        "exposure": "Exposure and thresholds",
        "inferred": "Inferred diffusion network (NetInf)",
        "pilots": "Are pilots representative?",
        "tests": "Hypothesis tests",
        "compare": "Regional comparison",
        "practices": "Practices",
        "provenance": "Provenance and reproducibility",
        "warnings": "Validation warnings",
        "covariates": "Unit covariates",
        "graphs": "Ties between units",
        "cards": "Method cards",
        "download": "Download CSV",
        "sort": "Click a column heading to sort",
    },
    "zh": {
        "report": "政策扩散分析报告",
        "findings": "主要发现",
        "dataset": "数据集",
        "geography": "地理",
        "summary": "数据概况",
        "coverage": "数据与覆盖范围",
        "adoption": "分批次、分做法的采纳情况",
        "by": "各地区采纳情况：",
        "spread": "各做法的扩散",
        "maps": "采纳地图",
        "network": "扩散网络",
        "channels": "扩散渠道",
        "exposure": "暴露度与阈值",
        "inferred": "推断的扩散网络（NetInf）",
        "pilots": "试点是否具有代表性？",
        "tests": "假设检验",
        "compare": "地区比较",
        "practices": "做法",
        "provenance": "来源与可重复性",
        "warnings": "数据校验提示",
        "covariates": "单位协变量",
        "graphs": "单位之间的联系",
        "cards": "方法说明",
        "download": "下载 CSV",
        "sort": "点击列标题排序",
    },
}

#: Column headings of the tables in Chinese (English headings are the column names themselves).
COLUMNS_ZH = {
    "95% lower": "95%下限",
    "95% upper": "95%上限",
    "adopters": "采纳单位数",
    "adopting units": "采纳单位数",
    "adoption events": "采纳事件数",
    "adoptions": "采纳次数",
    "Bass model": "Bass模型",
    "batch": "批次",
    "bottom-up": "自下而上",
    "bottom-up (chance)": "自下而上（偶然）",
    "breadth": "做法数",
    "cascades": "级联数",
    "cases found": "已收录案例",
    "channel": "途径",
    "chen2023_category": "Chen (2023) 类型",
    "chen2023_keyword": "Chen (2023) 关键词",
    "citation": "引用",
    "column": "列",
    "counties (denominator)": "区县数（分母）",
    "covariate": "协变量",
    "date": "日期",
    "date_precision": "日期精度",
    "effect": "效应量",
    "estimate": "估计值",
    "expected": "期望值",
    "file": "文件",
    "first adoption": "首次采纳",
    "first_period": "首次采纳时期",
    "fix": "修改建议",
    "group": "组别",
    "horizontal": "横向",
    "horizontal (chance)": "横向（偶然）",
    "hypothesis": "假设",
    "id": "编号",
    "improvement": "似然增量",
    "in-strength": "入强度",
    "infectiousness": "传染性",
    "interpretation": "解读",
    "issuer": "发布机关",
    "kind": "类别",
    "label_en": "英文名称",
    "label_zh": "中文名称",
    "lower": "下限",
    "macro_region": "四大区域",
    "mean_pilots": "试点均值",
    "mean_threshold": "平均阈值",
    "mean_units": "全部单位均值",
    "meaning": "含义",
    "measure": "指标",
    "mid_p": "中间p值",
    "n_pilots": "试点数",
    "n_units": "单位数",
    "name": "名称",
    "name_en": "英文名",
    "name_zh": "中文名",
    "none (pioneer)": "无（先行者）",
    "none (pioneer) (chance)": "无（先行者，偶然）",
    "null model": "零模型",
    "null_model": "零模型",
    "observed": "观测值",
    "odds_ratio": "比值比",
    "official_count": "官方数量",
    "official_total": "官方总数",
    "official_total_note": "官方总数说明",
    "origin": "起源批次",
    "origin units": "起源单位",
    "out-strength": "出强度",
    "p_value": "p值",
    "pagerank": "PageRank",
    "period": "时期",
    "periods to all macro-regions": "覆盖四大区域所需时期",
    "practice": "做法",
    "practices": "做法数",
    "prefectures (denominator)": "地市数（分母）",
    "problem": "问题",
    "province code": "省份代码",
    "provinces reached": "覆盖省份数",
    "q_value": "q值",
    "rank": "排名",
    "rank_earliness": "排序早度",
    "ratio": "比值",
    "reachability": "可达性",
    "received_improvement": "接收的似然增量",
    "region": "地区",
    "region (en)": "地区（英文）",
    "row": "行",
    "scale-up ratio": "推广倍数",
    "sent_improvement": "发出的似然增量",
    "series": "系列",
    "share of provinces": "省份覆盖率",
    "smd": "标准化均值差",
    "source": "来源",
    "source_id": "来源编号",
    "sources": "来源",
    "statistic": "统计量",
    "susceptibility": "易感性",
    "tag": "标签",
    "tag_id": "标签",
    "target": "目标",
    "term": "项",
    "test": "检验",
    "time unknown": "时间不详",
    "title": "标题",
    "title_en": "英文标题",
    "top-down": "自上而下",
    "top-down (chance)": "自上而下（偶然）",
    "total": "合计",
    "unit": "单位",
    "units": "单位数",
    "upper": "上限",
    "value": "数值",
    "walker_score": "Walker 得分",
    "year": "年份",
    "做法": "做法（中文）",
}


#: Headings made from a level's name: English pattern -> Chinese, ``{units}`` the level's plural.
_LEVEL_HEADINGS = {
    r"(\w+) reached": "覆盖{units}数",
    r"share of (\w+)": "{units}覆盖率",
    r"(\w+) \(denominator\)": "{units}数（分母）",
    r"(\w+) code": "{level}代码",
}


def column_heading(column: str, lang: str) -> str:
    """A table's column heading in ``lang`` (English headings are the column names).

    Examples
    --------
    >>> column_heading("p_value", "zh"), column_heading("counties reached", "zh"), column_heading("x", "zh")
    ('p值', '覆盖区县数', 'x')
    """
    if lang != "zh":
        return column
    if column in COLUMNS_ZH:
        return COLUMNS_ZH[column]
    for pattern, heading in _LEVEL_HEADINGS.items():
        if match := re.fullmatch(pattern, column):
            word = match.group(1)
            level = next((lvl for lvl in known_levels() if word in (lvl, str(level_plural(lvl)))), None)
            if level is not None:
                units = translate(level_plural(level), lang)
                return heading.format(units=units, level=translate(level_name(level), lang))
    return column
