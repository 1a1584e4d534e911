"""China's central bodies as knowledge: the Party centre, the national legislature, courts and
procuratorate, the State Council and its ministries, commissions and administrations, by the
names and short forms reports write (交通运输部, 国办, 中央依法治国办). A report of any unit may
name them, and none of them carries a place name the rules could anchor on.

Simplified script (the rules read normalised text); bodies renamed since stay listed, as
reports of earlier years name them.
"""

from __future__ import annotations

CENTRAL_BODIES = (
    # the Party centre
    "中共中央", "党中央", "中共中央办公厅", "中办", "中央纪委", "中央纪委国家监委", "国家监委",
    "中央组织部", "中组部", "中央宣传部", "中宣部", "中央政法委", "中央编办",
    "中央全面依法治国委员会", "中央依法治国办", "中央全面依法治国委员会办公室",
    "中央网信办",
    # legislature, advisory conference, courts, procuratorate
    "全国人大", "全国人大常委会", "全国人大常委会法工委", "全国政协", "最高人民法院",
    "最高法", "最高人民检察院", "最高检",
    # the State Council and its general office
    "国务院", "国务院办公厅", "国办", "国务院国资委", "国务院扶贫办", "国务院法制办",
    "国务院参事室", "国务院研究室",
    # ministries and commissions
    "外交部", "国防部", "国家发展和改革委员会", "国家发展改革委", "国家发改委", "教育部",
    "科学技术部", "科技部", "工业和信息化部", "工信部", "国家民族事务委员会", "国家民委",
    "公安部", "国家安全部", "民政部", "司法部", "财政部", "人力资源和社会保障部", "人社部",
    "自然资源部", "生态环境部", "住房和城乡建设部", "住建部", "交通运输部", "水利部",
    "农业农村部", "商务部", "文化和旅游部", "文旅部", "国家卫生健康委员会", "国家卫生健康委",
    "国家卫健委", "退役军人事务部", "应急管理部", "应急部", "中国人民银行", "审计署", "国土资源部",
    "环境保护部", "国家工商行政管理总局", "国家质量监督检验检疫总局", "国家安全生产监督管理总局",
    # administrations and bureaus
    "海关总署", "国家税务总局", "国家市场监督管理总局", "市场监管总局",
    "国家金融监督管理总局", "中国银保监会", "中国证监会", "国家广播电视总局",
    "国家体育总局", "国家统计局", "国家国际发展合作署", "国家医疗保障局", "国家医保局",
    "国家信访局", "国家粮食和物资储备局", "国家能源局", "国家国防科技工业局",
    "国家烟草专卖局", "国家移民管理局", "国家林业和草原局", "国家铁路局", "中国民用航空局",
    "中国民航局", "国家邮政局", "国家文物局", "国家中医药管理局", "国家疾病预防控制局",
    "国家矿山安全监察局", "国家外汇管理局", "国家药品监督管理局", "国家药监局",
    "国家知识产权局", "国家数据局", "国家乡村振兴局", "国家消防救援局", "国家机关事务管理局",
    "国家保密局", "国家档案局", "国家互联网信息办公室", "国家网信办",
    # international bodies whose rankings and assessments reports follow (the guide: 世界银行 / 世行)
    "世界银行", "世行",
)
