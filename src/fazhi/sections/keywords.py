"""The specification's words for parts and topics, and the unnumbered headings whose part it
fixes. The learned classifiers read their votes as features; the keyword baseline applies them
as they are."""

from __future__ import annotations

import re

# Unnumbered headings whose part the specification defines (front and back matter).
LEXICON_PARTS = {
    "目录": "OTHER", "目次": "OTHER", "前言": "PREAMBLE", "序言": "PREAMBLE", "引言": "PREAMBLE",
    "结束语": "OTHER", "结语": "OTHER", "后记": "OTHER", "附件": "OTHER", "附录": "OTHER",
}


# The specification's words for each part and its examples for each topic. The learned
# classifiers read their votes as features whose weight is shared by all labels ("=>LABEL|…"),
# so the gold decides how far to trust them, also for labels a fold has few examples of; the
# keyword-rules baseline (training/sections.py) applies them as they are.
PART_KEYWORDS = {
    "PROBLEMS": ("问题", "不足", "短板"),
    "LEADERSHIP": ("第一责任人",),
    "PLANS": ("安排", "展望", "计划", "下一步"),
    "ACHIEVEMENTS": ("主要举措", "成效", "专题报告"),
}


TOPIC_KEYWORDS = {
    "FUNCTIONS": ("职能", "放管服", "营商环境", "政务服务", "机构改革", "简政放权"),
    "RULES": ("立法", "规章", "规范性文件", "制度体系"),
    "DECISIONS": ("决策", "合法性审查", "合法性审核", "法律顾问"),
    "ENFORCEMENT": ("执法",),
    "EMERGENCY": ("突发事件", "疫情", "应急"),
    "DISPUTES": ("矛盾", "纠纷", "复议", "应诉", "调解", "信访"),
    "OVERSIGHT": ("监督", "审计", "政务公开", "督察", "制约"),
    "DIGITAL": ("数字", "科技", "信息化", "智慧"),
    # The guide's 党的领导与推进机制: its examples, and the mechanisms reports name for it
    # (高位推动, 示范创建, 组织领导, 督察考核 of the duty); a 督察 that is no 考核 stays OVERSIGHT.
    "LEADERSHIP_ORG": ("党的领导", "统筹", "考核", "学法", "述法", "高位推动", "示范创建",
                       "组织领导", "法治建设责任", "第一责任人", "关键少数", "督察考核"),
    "SOCIETY": ("法治社会", "普法", "公共法律服务", "法律援助"),
}


# A part's name as the specification gives it: a heading that is nothing but such a name opens
# that part wherever it stands (a thematic report's `3.未来展望` starts PLANS one level down).
PART_NAMES = ("主要举措和成效", "存在问题和不足", "工作安排", "主要安排", "未来展望")


def lexicon_part(line: str) -> str | None:
    return LEXICON_PARTS.get(re.sub(r"[\s:：]", "", line))


def keyword_label(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The label whose keyword occurs first in `text` (the longest keyword on a tie)."""
    hits = [(text.find(k), -len(k), label) for label, kws in table.items() for k in kws
            if k in text]
    return min(hits)[2] if hits else None


def keyword_majority(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    """The label whose keywords occur most often in `text` (the earliest on a tie)."""
    counts = {label: sum(text.count(k) for k in kws) for label, kws in table.items()}
    best = max(counts.values(), default=0)
    if not best:
        return None
    tied = [label for label, n in counts.items() if n == best]
    return keyword_label(text, {label: table[label] for label in tied})


def names_part(heading: str) -> bool:
    """The heading is a part's name, give or take a year, 法治政府建设, 的 and 与 for 和."""
    core = re.sub(r"\d{4}年|法治政府建设|的|\s", "", heading).replace("与", "和")
    return core in PART_NAMES
