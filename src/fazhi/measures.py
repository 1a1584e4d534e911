"""China's nationwide reforms, working methods, lists and campaigns as knowledge: the names a
report of any unit uses for measures the whole country carries out (推行容缺受理和并联审批, 落实
减税降费, 深化「证照分离」改革). Like the national laws (`fazhi.laws`), these are known before
any training text is read; a unit's own measures are left to the patterns and to training.

Names are written without quotation marks and without a head noun that reports sometimes add
(证照分离 covers 「证照分离」改革: the rules tagger takes the marks and the head noun in), in
simplified script (the rules read normalised text). Only names that are a measure at every
mention are listed (GUIDELINES.md: named reforms, mechanisms, lists, hotlines, pledges and
campaigns); policy areas and goals (营商环境, 数字政府, 平安建设) and designations given to
people and villages (法律明白人, 民主法治示范村) are not. The rules tagger drops a name its
training text tags less often than it finds it (`RuleTagger.fit`).
"""

from __future__ import annotations

NATIONAL_MEASURES = (
    # administrative approval and government services
    "放管服", "简政放权", "简政放权、放管结合、优化服务", "证照分离", "照后减证", "多证合一",
    "一业一证", "先照后证", "告知承诺制", "证明事项告知承诺制", "容缺受理", "容缺办理",
    "容缺后补", "并联审批", "多评合一", "多图联审", "联合验收", "多测合一", "多规合一",
    "区域评估", "标准地", "拿地即开工", "交地即交证", "交房即交证", "带押过户", "一网通办",
    "一网统管", "一网协同", "跨省通办", "省内通办", "全省通办", "一件事一次办",
    "高效办成一件事", "最多跑一次", "一次都不跑", "只进一扇门", "一窗受理", "一窗通办",
    "综合窗口", "不见面审批", "好差评", "帮办代办", "帮代办", "无证明城市", "一次办好",
    "接诉即办", "未诉先办", "首问负责制", "一次性告知制", "限时办结制", "信用承诺制",
    "简易注销", "秒批秒办", "免申即享", "企业开办一日办结", "证照联办", "一照通办",
    "互联网+政务服务", "12345政务服务便民热线", "政务服务便民热线",
    # supervision and law enforcement
    "双随机、一公开", "双随机一公开", "互联网+监管", "包容审慎监管", "包容审慎执法",
    "首违不罚", "轻微违法不罚", "免罚轻罚", "综合查一次", "进一次门、查多项事", "扫码入企",
    "非现场监管", "非现场执法", "柔性执法", "综合行政执法改革", "大综合一体化",
    "相对集中行政许可权改革", "相对集中行政处罚权改革", "行政执法公示制度",
    "执法全过程记录制度", "重大执法决定法制审核制度", "行政执法责任制", "行政裁量权基准制度",
    "行政执法案卷评查", "一支队伍管执法", "局队合一", "信用修复", "失信联合惩戒",
    "守信联合激励和失信联合惩戒", "信用分级分类监管", "公平竞争审查", "公平竞争审查制度",
    "一单两库", "轻微违法行为不予处罚清单", "轻微违法行为不予行政处罚清单", "首违不罚清单",
    "减免责清单", "卫片执法",
    # decisions, normative documents, lawyers
    "政府法律顾问制度", "法律顾问制度", "公职律师制度", "公司律师制度",
    "重大行政决策合法性审查制度", "重大行政决策终身责任追究制度", "规范性文件备案审查制度",
    "规范性文件合法性审核机制", "领导干部学法制度", "会前学法制度", "领导干部述法",
    "行政机关负责人出庭应诉制度", "府院联动机制", "府院联动",
    # lists
    "权力清单", "责任清单", "权责清单", "市场准入负面清单", "负面清单", "政务服务事项清单",
    "行政许可事项清单", "涉企经营许可事项清单", "证明事项保留清单", "随机抽查事项清单",
    "普法责任清单", "领导干部应知应会法律法规清单",
    # law popularisation
    "谁执法谁普法", "普法责任制", "以案释法", "宪法宣传周", "法律进机关、进乡村、进社区、进学校、进企业、进单位",
    # grass-roots governance and dispute resolution
    "枫桥经验", "浦江经验", "三调联动", "诉源治理", "访调对接", "诉调对接", "警民联调",
    "网格化管理", "网格化服务管理", "全科网格", "雪亮工程", "共享法庭", "街乡吹哨、部门报到",
    "吹哨报到", "河长制", "湖长制", "河湖长制", "林长制", "田长制", "路长制",
    "扫黑除恶专项斗争", "常态化扫黑除恶斗争", "打击治理电信网络诈骗",
    # tax, environment, safety
    "减税降费", "留抵退税", "增值税留抵退税", "非接触式办税", "便民办税春风行动",
    "排污许可制", "排污许可制度", "生态环境损害赔偿制度", "环评告知承诺制",
    "中央生态环境保护督察", "安全生产专项整治三年行动", "全国安全生产专项整治三年行动",
    # government reform and oversight
    "数字化改革", "机构改革", "党政机构改革", "行政复议体制改革", "商事制度改革",
    "行政审批制度改革", "法治政府建设示范创建", "全国法治政府建设示范创建",
    "法治督察", "民族团结进步创建",
)


def known_measures() -> tuple[str, ...]:
    """Every name above, once, longest first (the longest name at a position wins)."""
    return tuple(sorted(set(NATIONAL_MEASURES), key=lambda t: (-len(t), t)))
