"""Names for the demo world: people, institutions, enterprises, and the demo credit codes.

Every institution and enterprise name here is made up. The institution names use invented
place words (北辰, 沧澜, 南岭, 瀚海, 越州, 楚天, 蜀川, 东岳 …) so that none of them is the name of a
real university, institute or hospital; enterprises combine a real city with an invented brand.
"""

import random
from dataclasses import dataclass, replace

from accounts.identifiers import credit_code_check_character

# --- people ---------------------------------------------------------------------------------

# The commonest surnames, roughly in order of frequency (weights fall off along the list).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [max(1.0, 30.0 - i * 0.4) for i in range(len(SURNAMES))]
# Characters common in given names, by the gender they usually suggest.
MALE_CHARS = (
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁亮晨博瑞峰龙翔振宏毅源卫东"
    "林森立新德成航阳荣永庆兵学良忠昌国建志文睿泽昊轩子梓哲铭锋"
)
FEMALE_CHARS = (
    "芳娜秀敏静丽艳娟霞桂英玉萍红兰燕琳欣佳怡婷颖倩雯蕾思雨嘉涵晗璐菲莹媛洁丹岚琦璇琪"
    "彤悦婧薇诗梦瑶慧秋月雪晓"
)


def person_name(rng: random.Random) -> str:
    """A Chinese full name: a common surname and a one- or two-character given name."""
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    pool = MALE_CHARS if rng.random() < 0.6 else FEMALE_CHARS
    length = 1 if rng.random() < 0.28 else 2
    return surname + "".join(rng.choice(pool) for _ in range(length))


def unique_names(rng: random.Random, count: int, taken: set[str] | None = None) -> list[str]:
    taken = set() if taken is None else taken
    names: list[str] = []
    while len(names) < count:
        name = person_name(rng)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def mobile(rng: random.Random) -> str:
    """A mainland mobile number (11 digits starting with 1)."""
    prefix = rng.choice(["138", "139", "136", "158", "159", "186", "188", "177", "135", "150", "152", "189"])
    return f"{prefix}{rng.randint(0, 99999999):08d}"


def landline(rng: random.Random, area_code: str) -> str:
    """A landline with area code; every city used here has 8-digit local numbers."""
    return f"{area_code}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"


# --- demo credit codes ----------------------------------------------------------------------

# Demo organisations carry a credit code whose organisation-code part starts with this marker:
# `12` (机构编制, 事业单位) or `91` (市场监管, 企业) + 6-digit division + `PNDM` + 5 digits + check.
# That is how `--reset` and the existing-world check recognise demo rows without touching
# reference data or anything loaded for real. The codes pass the GB 32100-2015 check.
DEMO_MARKER = "PNDM"


def demo_credit_code(registration: str, division: str, sequence: int) -> str:
    first17 = f"{registration}{division}{DEMO_MARKER}{sequence:05d}"
    return first17 + credit_code_check_character(first17)


def is_demo_credit_code(code: str | None) -> bool:
    return bool(code) and len(code) == 18 and code[8:12] == DEMO_MARKER


# --- institutions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionSpec:
    name: str
    institution_type: str  # university / research_institute / hospital
    province: str  # GB/T 2260 code
    supervisor: str | None  # ministry code (accounts.reference_data.MINISTRIES) or None for 地方
    weight: int  # relative size of its patent portfolio
    fields: str  # technical field keys (demo.patents.FIELDS), repeated for emphasis
    area_code: str
    is_demo_university: bool = False
    is_pilot_university: bool = False

    @property
    def division(self) -> str:
        # Central units register at 100000 (as 12100000400000624D does); local ones in their province.
        return "100000" if self.supervisor else self.province


# In order of importance: a small run (--institutions 5) still gets the big 教育部 示范高校 in 北京
# that the demo_institution login belongs to, a CAS institute and a hospital.
INSTITUTIONS: list[InstitutionSpec] = [
    InstitutionSpec("北辰理工大学", "university", "110000", "MOE", 10,
                    "cv cv comm comm semi battery metal mfg mfg chem civil env grid", "010", is_demo_university=True),
    InstitutionSpec("沧澜大学", "university", "310000", "MOE", 9,
                    "cv comm biomed biomed device chem polymer ocean env metal civil", "021", is_demo_university=True),
    InstitutionSpec("中国科学院北辰智能感知研究所", "research_institute", "110000", "CAS", 4,
                    "cv cv cv comm semi", "010"),
    InstitutionSpec("南岭科技大学", "university", "440000", "MOE", 7,
                    "cv comm semi battery polymer mfg biomed env", "020", is_pilot_university=True),
    InstitutionSpec("沧澜医科大学附属第一医院", "hospital", "310000", "NHC", 2, "biomed device device", "021"),
    InstitutionSpec("江东科技大学", "university", "320000", "MOE", 6,
                    "mfg metal polymer civil chem grid env", "025", is_pilot_university=True),
    InstitutionSpec("瀚海工程大学", "university", "230000", "MIIT", 6,
                    "ocean ocean mfg metal grid comm cv", "0451", is_demo_university=True),
    InstitutionSpec("越州科技大学", "university", "330000", None, 4,
                    "cv comm polymer chem env mfg", "0571", is_pilot_university=True),
    InstitutionSpec("秦岭工业大学", "university", "610000", "MOE", 7,
                    "metal mfg grid semi battery civil cv", "029", is_demo_university=True),
    InstitutionSpec("中国科学院沧澜海洋工程研究所", "research_institute", "310000", "CAS", 3,
                    "ocean ocean env comm", "021"),
    InstitutionSpec("南岭生物医药研究院", "research_institute", "440000", None, 2, "biomed biomed device", "0755"),
    InstitutionSpec("楚天理工大学", "university", "420000", None, 4,
                    "civil mfg grid battery metal", "027", is_pilot_university=True),
    InstitutionSpec("首善医院", "hospital", "110000", "NHC", 2, "biomed device", "010"),
    InstitutionSpec("蜀川理工大学", "university", "510000", None, 3, "civil grid env mfg cv agri", "028"),
    InstitutionSpec("越州新材料研究院", "research_institute", "330000", None, 2,
                    "metal polymer polymer chem battery", "0574"),
    InstitutionSpec("滨海医科大学附属医院", "hospital", "120000", None, 1, "biomed device", "022"),
    InstitutionSpec("东岳科技大学", "university", "370000", None, 3, "chem mfg agri env polymer", "0531"),
    InstitutionSpec("中国科学院秦岭生态环境研究所", "research_institute", "610000", "CAS", 2, "env env agri", "029"),
    InstitutionSpec("东岳先进制造技术研究院", "research_institute", "370000", None, 2, "mfg mfg metal cv", "0532"),
    InstitutionSpec("南岭医科大学附属医院", "hospital", "440000", None, 1, "biomed device", "020"),
    InstitutionSpec("南岭热带作物研究所", "research_institute", "460000", "MARA", 1, "agri agri biomed", "0898"),
    InstitutionSpec("北辰信息工程学院", "university", "110000", None, 2, "cv comm semi", "010"),
    InstitutionSpec("江东师范大学", "university", "320000", None, 2, "chem env agri biomed cv", "025"),
    InstitutionSpec("楚天中心医院", "hospital", "420000", None, 1, "device biomed", "027"),
]

# --- enterprises ----------------------------------------------------------------------------

# (province code, city, division code for the credit code, area code, weight)
ENTERPRISE_CITIES: list[tuple[str, str, str, str, int]] = [
    ("110000", "北京", "110108", "010", 8),
    ("310000", "上海", "310115", "021", 6),
    ("440000", "深圳", "440305", "0755", 6),
    ("440000", "广州", "440106", "020", 3),
    ("440000", "东莞", "441900", "0769", 2),
    ("320000", "苏州", "320594", "0512", 4),
    ("320000", "无锡", "320214", "0510", 2),
    ("320000", "南京", "320114", "025", 2),
    ("330000", "杭州", "330108", "0571", 4),
    ("330000", "宁波", "330212", "0574", 2),
    ("370000", "青岛", "370212", "0532", 2),
    ("420000", "武汉", "420111", "027", 2),
    ("510000", "成都", "510107", "028", 2),
    ("610000", "西安", "610131", "029", 2),
    ("340000", "合肥", "340111", "0551", 2),
    ("120000", "天津", "120116", "022", 1),
]

_BRAND_TEXT = (
    "睿擎衡拓启晟博衍星衍云湃极砚澄曜聚岚华羿朗擎翊辰知澜卓朴凌砺赫炜玖研芯砺图衡昱衡渊测璟川"
    "钛澄弘枢屹衡霁岚沐芯擎宇拓微熠辉砺锋铂岸泓宇翰澄昊衡骁骥瀚衍珩宇岑曦曜冉灏铭蓝湃崇衡耘拓"
    "朔禾昭芯麓衡澜序纬衡峻擎舜研楷澄奕拓琨瑞邃光曦禾镕拓钧砚竑越缙研溢芯栩衡皓微"
)
# Invented two-character brand names.
BRANDS = [_BRAND_TEXT[i : i + 2] for i in range(0, len(_BRAND_TEXT), 2)]

# (industry word in the name, technical field it works in)
ENTERPRISE_TRADES: list[tuple[str, str]] = [
    ("智能科技", "cv"), ("信息技术", "comm"), ("通信技术", "comm"), ("电力科技", "grid"), ("新能源科技", "battery"),
    ("新材料科技", "metal"), ("高分子材料", "polymer"), ("生物医药", "biomed"), ("医疗器械", "device"),
    ("智能装备", "mfg"), ("精密机械", "mfg"), ("环保科技", "env"), ("农业科技", "agri"), ("建设工程", "civil"),
    ("化工科技", "chem"), ("海洋装备", "ocean"), ("半导体", "semi"), ("微电子", "semi"),
]
CENTRAL_SOE_TRADES = ["电子科技", "能源", "装备", "材料", "交通建设"]


@dataclass(frozen=True)
class EnterpriseSpec:
    name: str
    province: str
    division: str
    area_code: str
    field: str
    is_ip_advantage: bool = False
    is_specialized: bool = False
    is_high_tech: bool = False
    is_state_owned: bool = False
    is_central_soe: bool = False
    pending: bool = False


def enterprise_specs(rng: random.Random, count: int) -> list[EnterpriseSpec]:
    """`count` enterprises with unique names. The first is an active firm in 北京 (the demo_enterprise
    login), the second a 北京 firm awaiting its provincial office's approval, and about 6% more wait too."""
    specs: list[EnterpriseSpec] = []
    names: set[str] = set()
    brands = list(BRANDS)
    rng.shuffle(brands)
    beijing = ENTERPRISE_CITIES[0]
    attempt = 0
    while len(specs) < count:
        i = len(specs)
        city = beijing if i < 2 else rng.choices(ENTERPRISE_CITIES, weights=[c[4] for c in ENTERPRISE_CITIES])[0]
        province, city_name, division, area_code, _ = city
        brand = brands[attempt % len(brands)]
        if attempt >= len(brands):
            brand += rng.choice("鑫锐泰恒华科达源")
        attempt += 1
        roll = rng.random()
        central = i >= 2 and roll < 0.06
        state = central or (i >= 2 and roll < 0.16)
        if central:
            trade = rng.choice(CENTRAL_SOE_TRADES)
            name = f"中国{brand}{trade}集团有限公司"
            field = {"电子科技": "comm", "能源": "grid", "装备": "mfg", "材料": "metal", "交通建设": "civil"}[trade]
            province, division, area_code = beijing[0], "100000", beijing[3]
        else:
            trade, field = rng.choice(ENTERPRISE_TRADES)
            if state:
                name = f"{city_name}{brand}{trade}集团有限公司"
            else:
                suffix = rng.choices(["有限公司", "股份有限公司", "有限责任公司"], weights=[6, 3, 1])[0]
                name = f"{city_name}{brand}{trade}{suffix}"
        if name in names:
            continue
        names.add(name)
        high_tech = central or rng.random() < 0.7
        specs.append(EnterpriseSpec(
            name=name,
            province=province,
            division=division,
            area_code=area_code,
            field=field,
            is_high_tech=high_tech,
            is_specialized=not state and high_tech and rng.random() < 0.45,
            is_ip_advantage=i == 0 or rng.random() < (0.35 if state else 0.12),
            is_state_owned=state,
            is_central_soe=central,
            pending=i == 1,
        ))
    # A few more await their provincial office's approval, so that several provinces have work.
    extra = rng.sample(range(3, count), k=min(max(0, count - 3), round(0.06 * count))) if count > 3 else []
    return [replace(spec, pending=True) if i in extra else spec for i, spec in enumerate(specs)]
