"""Deterministic national-scale test data: institutions, a base library and an inventory upload.

    python bench/generate.py                      # 1,500,000-row base library CSV + 100,000-row inventory .xlsx
    python bench/generate.py --rows 50000         # a quick set
    python bench/generate.py --xlsx-rows 1048576  # also the base library as .xlsx (an .xlsx sheet's limit)

Everything is derived from one seed, so two runs write identical files. Each patent row is
derived from its own index (a generator seeded with seed and index), so the inventory file can
pick the patents of one institution without regenerating the whole library.

The data looks like the real thing: ~3,000 institutions (universities, research institutes,
hospitals) with valid 统一社会信用代码 and a long-tailed share of the patents (the biggest hold
tens of thousands), co-owned patents, enterprise and person co-patentees, patentees written under
an alias or under a name the platform does not know, the written forms of application numbers and
dates people send, IPC codes, Chinese titles, inventors and abstracts. Institution 0, the bench
institution, is the first patentee of every 14th patent: ~107,000 at full scale, enough for a
100,000-row inventory upload.

Files go to bench/data/ (git-ignored). `load_organizations()` puts the institutions, enterprises
and aliases into the database the benchmarks run against.
"""

import argparse
import csv
import datetime as dt
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
SEED = 20240131
INSTITUTIONS = 3000
ENTERPRISES = 6000
BENCH_INSTITUTION_EVERY = 14  # patent i with i % 14 == 0 belongs first to institution 0

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# --- identifiers (self-contained: generating needs no Django) ---------------------------------

_APP_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(digits: str) -> str:
    remainder = sum(int(d) * w for d, w in zip(digits, _APP_WEIGHTS, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def credit_code(prefix: str, region: str, rng: random.Random) -> str:
    """A valid 统一社会信用代码: registering authority + category, region code, 9-character body, check."""
    body = prefix + region + "".join(rng.choice(_CREDIT_ALPHABET[:10] + "ABCDEFGH") for _ in range(9))
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    r = 31 - total % 31
    return body + _CREDIT_ALPHABET[0 if r == 31 else r]


# --- vocabulary ------------------------------------------------------------------------------

PROVINCES = [
    ("110000", "北京", ["北京", "海淀", "昌平"]), ("120000", "天津", ["天津", "滨海"]),
    ("130000", "河北", ["石家庄", "保定", "唐山", "邯郸"]), ("140000", "山西", ["太原", "大同"]),
    ("150000", "内蒙古", ["呼和浩特", "包头"]), ("210000", "辽宁", ["沈阳", "大连", "鞍山"]),
    ("220000", "吉林", ["长春", "吉林"]), ("230000", "黑龙江", ["哈尔滨", "齐齐哈尔"]),
    ("310000", "上海", ["上海", "浦东"]), ("320000", "江苏", ["南京", "苏州", "无锡", "常州", "扬州", "徐州"]),
    ("330000", "浙江", ["杭州", "宁波", "温州", "绍兴", "嘉兴"]), ("340000", "安徽", ["合肥", "芜湖", "蚌埠"]),
    ("350000", "福建", ["福州", "厦门", "泉州"]), ("360000", "江西", ["南昌", "赣州"]),
    ("370000", "山东", ["济南", "青岛", "烟台", "潍坊", "淄博"]), ("410000", "河南", ["郑州", "洛阳", "新乡"]),
    ("420000", "湖北", ["武汉", "宜昌", "襄阳"]), ("430000", "湖南", ["长沙", "湘潭", "株洲"]),
    ("440000", "广东", ["广州", "深圳", "珠海", "佛山", "东莞", "汕头"]), ("450000", "广西", ["南宁", "桂林", "柳州"]),
    ("460000", "海南", ["海口", "三亚"]), ("500000", "重庆", ["重庆"]), ("510000", "四川", ["成都", "绵阳", "自贡"]),
    ("520000", "贵州", ["贵阳", "遵义"]), ("530000", "云南", ["昆明", "大理"]), ("540000", "西藏", ["拉萨"]),
    ("610000", "陕西", ["西安", "咸阳", "宝鸡"]), ("620000", "甘肃", ["兰州", "天水"]),
    ("630000", "青海", ["西宁"]), ("640000", "宁夏", ["银川"]), ("650000", "新疆", ["乌鲁木齐", "石河子"]),
]
UNIVERSITY_KINDS = ["", "理工", "师范", "医科", "农业", "工业", "科技", "财经", "交通", "石油", "林业", "海洋",
                    "中医药", "电子科技", "航空航天", "化工", "信息工程", "建筑", "电力", "轻工", "纺织", "矿业"]
INSTITUTE_FIELDS = ["化学物理", "金属", "自动化", "计算技术", "生物技术", "农业科学", "材料", "能源", "光学精密机械",
                    "地理科学", "水利", "环境科学", "海洋", "机械科学", "电子信息", "纳米技术", "中药", "作物科学",
                    "畜牧兽医", "先进制造", "新能源", "微电子", "遥感", "岩土力学"]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
    "姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常"
    "汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然子涵欣怡梓轩思远晨阳佳琪雨"
    "婷志强海燕丹丹春梅晓东立新振华永刚国庆卫东红梅秀英"
)
TECHNIQUES = ["深度学习", "卷积神经网络", "注意力机制", "图神经网络", "强化学习", "联邦学习", "区块链", "边缘计算",
              "激光诱导", "等离子体", "超临界二氧化碳", "微流控", "纳米复合", "稀土掺杂", "石墨烯", "钙钛矿",
              "基因编辑", "单细胞测序", "多模态融合", "数字孪生", "北斗定位", "毫米波雷达", "光纤传感", "振动信号"]
OBJECTS = ["图像识别", "锂离子电池正极材料", "污水处理", "肿瘤早期筛查", "风电机组故障诊断", "桥梁健康监测",
           "水稻抗逆育种", "钢轨探伤", "高熵合金", "柔性传感器", "中药有效成分提取", "电网负荷预测", "无人机编队",
           "齿轮箱寿命预测", "土壤重金属修复", "心电信号分析", "航空发动机叶片", "半导体晶圆缺陷检测",
           "隧道围岩变形", "食品安全快速检测", "光伏组件", "氢燃料电池", "工业机器人", "智能网联汽车"]
ENDINGS = {"1": ["方法", "方法及系统", "装置及方法", "制备方法及其应用", "系统"], "2": ["装置", "检测装置", "夹具",
           "结构", "设备"], "3": ["包装盒", "控制面板", "检测仪", "茶具", "灯具"]}
IPC_BY_FIELD = ["G06F 16/30", "G06N 3/08", "G06V 10/82", "G06T 7/00", "H04L 9/06", "H04W 4/02", "H01M 4/525",
                "H01M 10/0525", "H01L 21/02", "H02J 3/00", "C02F 1/00", "C02F 9/00", "A61K 36/00", "A61K 31/4745",
                "A61B 5/00", "G01N 33/574", "C12N 15/82", "A01H 1/02", "B22D 11/00", "C22C 30/00", "F16H 1/32",
                "B25J 9/16", "G01M 13/04", "E01D 22/00", "B64C 39/02", "G05B 23/02", "C08L 63/00", "B01J 23/00",
                "F03D 17/00", "G01S 13/90", "B60L 58/12", "C04B 28/00", "G01B 11/16", "A23L 33/00", "E21D 9/00"]
LOCARNO = ["09-03", "14-02", "10-04", "26-05", "07-01", "13-03", "24-02", "15-99"]
ABSTRACT_PARTS = [
    "本发明公开了{title},属于{field}技术领域。", "所述方法包括以下步骤:采集原始数据并进行预处理;",
    "构建{technique}模型并利用训练样本进行迭代优化;", "根据输出结果实时调整控制参数,实现闭环控制。",
    "与现有技术相比,本发明显著提高了检测精度和运行效率,降低了成本,", "具有结构简单、操作方便、适用范围广等优点,",
    "可广泛应用于{field}及相关领域。", "实验结果表明,所述方法的准确率达到百分之九十五以上。",
]
FIELDS = ["人工智能", "新材料", "生物医药", "新能源", "智能制造", "环境保护", "现代农业", "交通运输", "电子信息"]
# (funder, project number prefix, digits after it)
FUNDERS = [("国家自然科学基金", "6", 7), ("国家重点研发计划", "2021YFB", 7), ("省自然科学基金", "2020J", 5),
           ("国家社会科学基金", "21BJY", 3)]


@dataclass(frozen=True)
class Org:
    index: int
    kind: str  # "institution" or "enterprise"
    name: str
    credit_code: str
    province: str
    institution_type: str = ""


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


class _Names:
    """Draws names and credit codes that the generated world has not used yet."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()
        self.codes: set[str] = set()

    def unique(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("name space exhausted")

    def code(self, prefix: str, province: str) -> str:
        while True:
            value = credit_code(prefix, province[:2] + "0000", self.rng)
            if value not in self.codes:
                self.codes.add(value)
                return value


def _institution(index: int, rng: random.Random, names: _Names) -> Org:
    """Institution `index`: four in ten universities, three research institutes, three hospitals."""
    province, short, cities = rng.choice(PROVINCES)
    city = rng.choice(cities)
    roll = index % 10
    if index == 0:
        name, kind = names.unique(lambda: "华北示范理工大学"), "university"
    elif roll < 4:
        kind = "university"
        name = names.unique(lambda c=city, s=short: rng.choice([
            f"{c}{rng.choice(UNIVERSITY_KINDS)}大学", f"{s}{rng.choice(UNIVERSITY_KINDS)}大学",
            f"{c}{rng.choice(UNIVERSITY_KINDS)}学院", f"{c}职业技术学院", f"{s}第{rng.randint(2, 9)}师范学院",
        ]))
    elif roll < 7:
        kind = "research_institute"
        name = names.unique(lambda c=city, s=short: rng.choice([
            f"中国科学院{c}{rng.choice(INSTITUTE_FIELDS)}研究所", f"{s}省{rng.choice(INSTITUTE_FIELDS)}研究院",
            f"{c}市{rng.choice(INSTITUTE_FIELDS)}研究所", f"{s}{rng.choice(INSTITUTE_FIELDS)}研究中心",
        ]))
    else:
        kind = "hospital"
        name = names.unique(lambda c=city, s=short: rng.choice([
            f"{c}市第{rng.randint(1, 12)}人民医院", f"{s}省人民医院{c}分院", f"{c}市中医医院",
            f"{c}市妇幼保健院", f"{s}{rng.choice(UNIVERSITY_KINDS)}大学附属第{rng.randint(1, 6)}医院",
        ]))
    return Org(index, "institution", name, names.code("12", province), province, kind)


def _enterprise(index: int, rng: random.Random, names: _Names) -> Org:
    province, _short, cities = rng.choice(PROVINCES)
    city = rng.choice(cities)
    name = names.unique(lambda c=city: f"{c}{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
                        f"{rng.choice(['科技', '智能', '新材料', '生物', '电子', '能源', '装备'])}"
                        f"{rng.choice(['有限公司', '股份有限公司', '集团有限公司'])}")
    return Org(index, "enterprise", name, names.code("91", province), province)


def organizations(seed: int = SEED) -> tuple[list[Org], list[Org], list[tuple[str, str]], list[str]]:
    """(institutions, enterprises, aliases as (institution name, alias), patentee names matching nothing)."""
    rng = random.Random(seed)
    names = _Names(rng)
    institutions = [_institution(index, rng, names) for index in range(INSTITUTIONS)]
    enterprises = [_enterprise(index, rng, names) for index in range(ENTERPRISES)]

    # A former name for one institution in ten; patentees use it for 2% of the patents.
    aliases = []
    for org in institutions[1::10]:
        alias = names.unique(lambda o=org: rng.choice([f"{o.name[:-2]}学院", f"原{o.name}", f"{o.name}(筹)",
                                                      f"{o.name[:2]}{rng.choice(INSTITUTE_FIELDS)}专科学校"]))
        aliases.append((org.name, alias))
    # Names under which an institution appears but which the platform does not know (yet).
    unknown = [names.unique(lambda o=org: f"{o.name}({rng.choice(['南', '北', '东', '西'])}校区)")
               for org in institutions[5:1005:5]]
    return institutions, enterprises, aliases, unknown


# --- base library rows -------------------------------------------------------------------------

BASE_HEADERS = [
    "申请号", "专利名称", "专利类型", "申请日", "授权公告日", "授权公告号", "法律状态", "专利权人",
    "专利权人统一社会信用代码", "发明人", "主分类号", "分类号", "摘要", "财政资助项目编号", "资助来源",
]
TYPE_NAMES = {"1": "发明", "2": "实用新型", "3": "外观设计", "8": "发明", "9": "实用新型"}


# Cumulative shares of the type digits: inventions dominate institutions' stock.
_TYPE_SHARES = (("1", 0.66), ("2", 0.92), ("3", 0.97), ("8", 0.99), ("9", 1.01))


def _kind(type_digit: str) -> str:
    """1 invention, 2 utility model, 3 design (PCT entries 8 and 9 count as 1 and 2)."""
    return "1" if type_digit in "18" else "2" if type_digit in "29" else "3"


@dataclass
class PatentSpec:
    number: str  # canonical
    body: str
    title: str
    type_digit: str
    applied: dt.date
    granted: dt.date
    funding: tuple[str, str] | None
    first_institution: int | None


class BaseLibrary:
    """Row i of the base library, derived from (seed, i) alone."""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.institutions, self.enterprises, aliases, self.unknown = organizations(seed)
        by_name = {org.name: org for org in self.institutions}
        self.aliases = [(by_name[name], alias) for name, alias in aliases]

    def _rng(self, i: int) -> random.Random:
        return random.Random(self.seed * 100_000_007 + i)

    def _institution(self, rng: random.Random) -> Org:
        # Long tail: the biggest institutions hold tens of thousands of patents, most a few hundred.
        return self.institutions[1 + int((len(self.institutions) - 1) * rng.random() ** 2.2)]

    def spec(self, i: int, rng: random.Random | None = None) -> PatentSpec:
        rng = rng or self._rng(i)
        if i % 100 == 7:  # an old 8-digit number (1995–2002), one patent in a hundred
            j = i // 100
            type_digit = "1"
            year = 1995 + j % 8
            body = f"{year % 100:02d}{type_digit}{j // 8 + 10000:05d}"
        else:
            roll = rng.random()
            type_digit = next(digit for digit, share in _TYPE_SHARES if roll < share)
            year = 2004 + i % 20
            serial = (i * 7919 + 12345) % 10_000_000  # a bijection on 7 digits: unique numbers
            body = f"{year}{type_digit}{serial:07d}"
        number = f"CN{body}.{check_character(body)}"
        kind = _kind(type_digit)
        applied = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        # Examination takes years for an invention, months for a utility model or a design.
        delay = {"1": (700, 1500), "2": (150, 400), "3": (100, 250)}[kind]
        granted = applied + dt.timedelta(days=rng.randint(*delay))
        title = f"一种基于{rng.choice(TECHNIQUES)}的{rng.choice(OBJECTS)}{rng.choice(ENDINGS[kind])}"
        funding = None
        if rng.random() < 0.35:
            funder, prefix, digits = rng.choice(FUNDERS)
            funding = (f"{prefix}{rng.randrange(10 ** digits):0{digits}d}", funder)
        first = 0 if i % BENCH_INSTITUTION_EVERY == 0 else None
        return PatentSpec(number, body, title, type_digit, applied, granted, funding, first)

    def row(self, i: int) -> list[str]:
        rng = self._rng(i)
        spec = self.spec(i, rng)
        kind = _kind(spec.type_digit)
        names, codes = self._patentees(i, rng)
        with_codes = rng.random() < 0.6
        inventors = [_person(rng) for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 6)))]
        if kind == "3":
            main, others = rng.choice(LOCARNO), []
        else:
            main = rng.choice(IPC_BY_FIELD)
            others = [main, *rng.sample(IPC_BY_FIELD, rng.randint(0, 3))]
        field = rng.choice(FIELDS)
        technique = rng.choice(TECHNIQUES)
        abstract = "".join(part.format(title=spec.title, field=field, technique=technique)
                           for part in rng.sample(ABSTRACT_PARTS, rng.randint(3, 6)))
        status = rng.choices(["有效", "有权", "失效", "终止"], weights=(90, 4, 4, 2))[0]
        return [
            self._written_number(spec, rng), spec.title,
            TYPE_NAMES[spec.type_digit] if rng.random() < 0.9 else "",
            self._written_date(spec.applied, rng), self._written_date(spec.granted, rng),
            f"CN{spec.type_digit if spec.type_digit in '123' else '1'}{int(spec.body[-7:]) % 10**8:08d}"
            f"{'B' if kind == '1' else 'U' if kind == '2' else 'S'}",
            status, ";".join(names), ";".join(code or "-" for code in codes) if with_codes else "",
            ";".join(inventors), main, ";".join(dict.fromkeys(others)), abstract,
            spec.funding[0] if spec.funding else "", spec.funding[1] if spec.funding else "",
        ]

    def _patentees(self, i: int, rng: random.Random) -> tuple[list[str], list[str]]:
        first = self.institutions[0] if i % BENCH_INSTITUTION_EVERY == 0 else self._institution(rng)
        roll = rng.random()
        if i % BENCH_INSTITUTION_EVERY == 0:
            roll = min(roll, 0.79)  # the bench institution stays first patentee
        if roll < 0.80:
            owners = [first]
        elif roll < 0.88:
            second = self._institution(rng)
            owners = [first] if second is first else [first, second]
        elif roll < 0.92:
            owners = [first, rng.choice(self.enterprises)]
        elif roll < 0.94:
            owners = [rng.choice(self.enterprises), first]
        elif roll < 0.96:  # written under a former name: matched through the alias
            _org, alias = rng.choice(self.aliases)
            return [alias], [""]
        elif roll < 0.965:  # a name the platform does not know: reported as unmatched
            return [rng.choice(self.unknown)], [""]
        elif roll < 0.98:  # an inventor holds it with the institution
            return [first.name, _person(rng)], [first.credit_code, ""]
        elif roll < 0.99:
            enterprise = rng.choice(self.enterprises)
            return [enterprise.name], [enterprise.credit_code]
        else:
            return [_person(rng)], [""]
        return [org.name for org in owners], [org.credit_code for org in owners]

    @staticmethod
    def _written_number(spec: PatentSpec, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.80:
            return spec.number
        digits = spec.number[2:]
        if roll < 0.90:
            return digits
        if roll < 0.95:
            return "ZL" + digits
        if roll < 0.98:
            return digits.replace(".", "")
        return "ZL " + (f"{digits[:4]} {digits[4]} {digits[5:]}" if len(spec.body) == 12 else digits)

    @staticmethod
    def _written_date(day: dt.date, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.80:
            return day.isoformat()
        if roll < 0.90:
            return f"{day.year}/{day.month}/{day.day}"
        if roll < 0.95:
            return f"{day.year}年{day.month}月{day.day}日"
        return day.strftime("%Y%m%d")

    def rows(self, count: int) -> Iterator[list[str]]:
        for i in range(count):
            yield self.row(i)


def write_base_library_csv(path: Path, rows: int, seed: int = SEED) -> Path:
    library = BaseLibrary(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BASE_HEADERS)
        for i, row in enumerate(library.rows(rows)):
            writer.writerow(row)
            if i and i % 100_000 == 0:
                print(f"  base library: {i:,} rows", file=sys.stderr)
    partial.rename(path)
    return path


def write_base_library_xlsx(path: Path, rows: int, seed: int = SEED) -> Path:
    """The same rows as an .xlsx under a merged title row (an .xlsx sheet holds at most 1,048,576 rows)."""
    import openpyxl

    rows = min(rows, 1_048_576 - 2)
    library = BaseLibrary(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("存量专利基础库")
    sheet.append(["高校和科研机构存量专利基础库"])
    sheet.append(BASE_HEADERS)
    for i, row in enumerate(library.rows(rows)):
        sheet.append(row)
        if i and i % 100_000 == 0:
            print(f"  base library xlsx: {i:,} rows", file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


# --- inventory upload rows (DATA-STANDARD.md §3) ------------------------------------------------

INVENTORY_HEADERS = [
    "申请号", "专利名称", "所属二级单位", "盘点负责人", "是否财政资助", "资助项目编号", "实施状态", "技术成熟度",
    "应用场景", "产业化前景", "价值分级自评", "是否入库", "转化意愿", "许可方式", "意向价格(万元)", "处置建议",
    "所属产业", "联系人", "联系电话", "联系邮箱", "备注",
]
DEPARTMENTS = ["计算机学院", "材料科学与工程学院", "机械工程学院", "电气工程学院", "化学化工学院", "生命科学学院",
               "土木工程学院", "环境学院", "医学院", "农学院", "信息与通信工程学院", "能源与动力工程学院"]
INDUSTRY_CODES = ["1.1", "1.2", "1.3", "1.5", "2.1", "2.2", "3.2", "3.5", "3.6", "4.1", "4.2", "4.3", "5.2", "6.3",
                  "6.5", "7.1", "7.2", "8.4"]


def bench_institution_patents(library: BaseLibrary, base_rows: int) -> Iterator[int]:
    """Indexes of the base library rows whose first institution patentee is the bench institution."""
    return iter(range(0, base_rows, BENCH_INSTITUTION_EVERY))


def inventory_row(library: BaseLibrary, i: int) -> list[object]:
    spec = library.spec(i)
    rng = random.Random(library.seed * 7_000_003 + i)
    funded = spec.funding is not None
    status = rng.choices(["未实施", "自行实施", "许可实施", "转让实施", "作价入股", "已产业化"],
                         weights=(70, 8, 8, 7, 3, 4))[0]
    screened = rng.random() < 0.7
    disposal = rng.choice(["重点推广", "一般推广", "继续观察"] if screened else ["继续观察", "放弃维持", "一般推广"])
    if screened:
        intents = rng.sample(["转让", "许可", "作价入股", "自行实施"], rng.randint(1, 3))
    else:
        intents = ["暂无"] if rng.random() < 0.7 else []
    licence = rng.choice(["普通许可", "排他许可", "独占许可", "开放许可"]) if "许可" in intents else ""
    contact = _person(rng)
    return [
        spec.number if rng.random() < 0.9 else spec.number[2:],
        spec.title if rng.random() < 0.98 else spec.title + "(修订)",
        rng.choice(DEPARTMENTS), _person(rng),
        "是" if funded else "否", spec.funding[0] if funded else "",
        status, rng.choice([str(rng.randint(1, 9)), f"TRL{rng.randint(3, 8)}", f"{rng.randint(2, 8)}级"]),
        f"可应用于{rng.choice(FIELDS)}领域的{rng.choice(OBJECTS)}场景,提高效率、降低成本。",
        rng.choice(["较好", "一般", "较差", "高", "中"]), rng.choice(["A", "B", "C", ""]),
        "入库" if screened else "不入库", "、".join(intents), licence,
        round(rng.uniform(5, 500), 2) if screened and rng.random() < 0.6 else None,
        disposal, ";".join(rng.sample(INDUSTRY_CODES, rng.randint(0, 2))), contact,
        f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}", f"user{i}@example.edu.cn", "",
    ]


def write_inventory_xlsx(path: Path, rows: int, base_rows: int, seed: int = SEED) -> Path:
    """The bench institution's inventory upload: `rows` of its patents (as many as the base library holds)."""
    import openpyxl

    library = BaseLibrary(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("盘点结果")
    sheet.append([f"{library.institutions[0].name}存量专利盘点表"])
    sheet.append(INVENTORY_HEADERS)
    for written, i in enumerate(bench_institution_patents(library, base_rows)):
        if written >= rows:
            break
        sheet.append(inventory_row(library, i))
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


# --- organisations ------------------------------------------------------------------------------


def write_organizations(directory: Path = DATA, seed: int = SEED) -> tuple[Path, Path]:
    institutions, enterprises, aliases, _unknown = organizations(seed)
    directory.mkdir(parents=True, exist_ok=True)
    orgs, alias_path = directory / "organizations.csv", directory / "aliases.csv"
    with open(orgs, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "name", "credit_code", "province", "institution_type"])
        for org in [*institutions, *enterprises]:
            writer.writerow([org.kind, org.name, org.credit_code, org.province, org.institution_type])
    with open(alias_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["institution", "alias"])
        writer.writerows(aliases)
    return orgs, alias_path


def load_organizations(seed: int = SEED) -> dict[str, int]:
    """Create the generated institutions, enterprises and aliases in the current database (Django set up)."""
    from accounts.models import Organization, OrganizationAlias

    institutions, enterprises, aliases, _unknown = organizations(seed)
    existing = set(Organization.objects.values_list("name", flat=True))
    Organization.objects.bulk_create([
        Organization(kind=org.kind, name=org.name, credit_code=org.credit_code, province_id=org.province,
                     institution_type=org.institution_type)
        for org in [*institutions, *enterprises] if org.name not in existing
    ], batch_size=2000)
    ids = dict(Organization.objects.filter(kind="institution").values_list("name", "pk"))
    known = set(OrganizationAlias.objects.values_list("name", flat=True))
    OrganizationAlias.objects.bulk_create([
        OrganizationAlias(organization_id=ids[name], name=alias) for name, alias in aliases if alias not in known
    ])
    return {"institutions": len(institutions), "enterprises": len(enterprises), "aliases": len(aliases)}


def base_library_path(rows: int, suffix: str = "csv") -> Path:
    return DATA / f"base_library_{rows}.{suffix}"


def inventory_path(rows: int, base_rows: int) -> Path:
    return DATA / f"inventory_{rows}_of_{base_rows}.xlsx"


def ensure_base_library_csv(rows: int, seed: int = SEED) -> Path:
    path = base_library_path(rows)
    if not path.exists():
        print(f"generating {path} …", file=sys.stderr)
        write_base_library_csv(path, rows, seed)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_500_000, help="base library rows (CSV)")
    parser.add_argument("--inventory-rows", type=int, default=100_000, help="inventory upload rows (.xlsx)")
    parser.add_argument("--xlsx-rows", type=int, default=0, help="also write the base library as .xlsx, this many rows")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = parser.parse_args(argv)
    write_organizations(seed=args.seed)
    base = base_library_path(args.rows)
    if args.force or not base.exists():
        print(f"writing {base}", file=sys.stderr)
        write_base_library_csv(base, args.rows, args.seed)
    if args.xlsx_rows:
        xlsx = base_library_path(args.xlsx_rows, "xlsx")
        if args.force or not xlsx.exists():
            print(f"writing {xlsx}", file=sys.stderr)
            write_base_library_xlsx(xlsx, args.xlsx_rows, args.seed)
    if args.inventory_rows:
        inventory = inventory_path(args.inventory_rows, args.rows)
        if args.force or not inventory.exists():
            print(f"writing {inventory}", file=sys.stderr)
            write_inventory_xlsx(inventory, args.inventory_rows, args.rows, args.seed)
    print(DATA)


if __name__ == "__main__":
    main()
