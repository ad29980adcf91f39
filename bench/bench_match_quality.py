"""Benchmark: how well the matcher finds what enterprises really want, against baselines.

    python bench/bench_match_quality.py              # 5 seeds, both vocabularies
    python bench/bench_match_quality.py --seeds 2

A synthetic world in memory (no database): topics, each with words of its own and words it shares
with its industry's other topics; patents written from one topic's words (title, abstract,
application scenarios) plus generic filler words and a few words of a random other topic; each
enterprise has one or two hidden true topics and writes a need per topic in Chinese from a part
of the topic's words. The noise:

* industries are partly informative: eight topics share a sub-sector, so an enterprise's industry
  matches its topics' patents and seven distractor topics' alike; 15% of patents carry a wrong
  industry, and each enterprise names one extra industry it has no true topic in;
* IPC is partly informative: a topic's patents share the industry's subclass, the topic has its
  own main group; 30% of patents carry a sibling group; enterprises give the subclass (two in three)
  or the main group (one in three);
* distractor patents share the industry and IPC subclass and the industry's words but not the topic;
* needs use only 5 of the topic's 12 words, mixed with generic words.

Relevant = the patent's topic is one of the enterprise's true topics. The matcher is the real code:
texts segmented by matching.matcher.text.segment (jieba), the library built by
matching.matcher.library.build (TF-IDF with scikit-learn), ranked by matching.matcher.scoring.score
with the default weights. The industry-only baseline is the same code with every weight but the
industry's at zero; the random baseline draws 50 library patents. Printed per seed: precision@10,
recall@50, NDCG@10 of each. The "held-out" vocabulary builds the world from dictionary words
disjoint from those of the "dev" vocabulary the weights were chosen with.
"""

import argparse
import math
import os
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patentnavi.settings")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from matching.matcher import library, scoring, weights  # noqa: E402
from matching.matcher.text import segment  # noqa: E402

SECTORS = ["1", "2", "3", "4", "5", "6", "7", "8", "9"]
TOPICS_PER_INDUSTRY = 8
INDUSTRIES = 10
PATENTS_PER_TOPIC = 40
ENTERPRISES = 300
GENERIC = 60


def dictionary_words() -> list[str]:
    import jieba

    found = []
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if len(word) == 2 and int(freq) > 30 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                found.append((int(freq), word))
    found.sort(reverse=True)
    words = [w for _, w in found[300:]]
    # Keep the words jieba segments as themselves.
    return [w for w in words if segment(w) == [w]]


class World:
    def __init__(self, seed: int, pool: list[str]) -> None:
        rng = random.Random(seed)
        pool = pool[:]
        rng.shuffle(pool)
        take = iter(pool)
        self.generic = [next(take) for _ in range(GENERIC)]
        self.industries = []
        self.topics = []  # (industry index, own words + industry words, ipc group)
        for i in range(INDUSTRIES):
            code = f"{SECTORS[i % 9]}.{i // 9 + 1}"
            subclass = f"{chr(65 + i % 8)}{10 + i:02d}{chr(65 + i)}"
            shared = [next(take) for _ in range(8)]
            self.industries.append((code, subclass))
            for t in range(TOPICS_PER_INDUSTRY):
                own = [next(take) for _ in range(4)]
                # Words enterprises use for the topic that its patents never use (vocabulary mismatch).
                spoken = [next(take) for _ in range(3)]
                self.topics.append((i, own, shared, spoken, f"{subclass} {t + 1}"))
        self.rows, self.topic_of = [], {}
        ids = list(range(1, len(self.topics) * PATENTS_PER_TOPIC + 1))
        rng.shuffle(ids)  # ties in a baseline fall in no topic's favour
        for topic, (industry, own, shared, _spoken, group) in enumerate(self.topics):
            sibling_base = industry * TOPICS_PER_INDUSTRY
            for _ in range(PATENTS_PER_TOPIC):
                patent_id = ids.pop()
                other = self.topics[rng.randrange(len(self.topics))][1]
                sibling = self.topics[sibling_base + rng.randrange(TOPICS_PER_INDUSTRY)][1]
                title = "".join(rng.sample(own, 1) + rng.sample(shared, 2))
                abstract = "，".join(rng.sample(own, 2) + rng.sample(shared, 5) + rng.sample(sibling, 2)
                                    + rng.sample(other, 2) + rng.sample(self.generic, 10))
                scenarios = "，".join(rng.sample(own + shared, 2) + rng.sample(self.generic, 2))
                code = self.industries[industry][0] if rng.random() > 0.15 else \
                    self.industries[rng.randrange(INDUSTRIES)][0]
                ipc = group if rng.random() > 0.3 else f"{self.industries[industry][1]} {rng.randint(1, 8)}"
                self.rows.append((patent_id, f"{title}\n{abstract}\n{scenarios}", code, f"{ipc}/{rng.randint(1, 20)}",
                                  rng.randint(1, 9), rng.choice(["transfer", "license", "equity"]),
                                  rng.randint(20, 100), rng.choice(["110000", "440000", "310000"])))
                self.topic_of[patent_id] = topic
        self.enterprises = []
        for e in range(ENTERPRISES):
            true = rng.sample(range(len(self.topics)), rng.choice([1, 2]))
            industries = {self.industries[self.topics[t][0]][0] for t in true}
            industries.add(self.industries[rng.randrange(INDUSTRIES)][0])
            prefixes = [self.topics[t][4] if rng.random() < 1 / 3 else self.industries[self.topics[t][0]][1]
                        for t in true]
            needs = []
            for number, t in enumerate(true):
                _industry, own, shared, spoken, _group = self.topics[t]
                words = rng.sample(own, 2) + rng.sample(shared, 3) + rng.sample(spoken, 2)
                rng.shuffle(words)
                title = "".join(words[:2])
                text = f"{title}\n" + "，".join(words[2:] + rng.sample(self.generic, 6))
                needs.append(scoring.Need(number + 1, title, segment(text)))
            self.enterprises.append((set(true), scoring.Query(
                e + 1, industries=industries, ipc_prefixes=prefixes, needs=needs,
                modes={rng.choice(["licence", "assignment", "joint_rd"])},
                provinces={rng.choice(["110000", "440000"])})))

    def library(self) -> library.Library:
        known: dict[str, int] = {}
        rows = []
        for patent_id, text, industry, ipc, maturity, intent, listing, province in self.rows:
            counts = Counter(segment(text))
            for word in counts:
                known.setdefault(word, len(known))
            ids = np.array([known[w] for w in counts], dtype=np.int32)
            values = np.array(list(counts.values()), dtype=np.uint16)
            order = np.argsort(ids)
            rows.append(library.Row(patent_id, 1, province, [ipc], [industry], maturity, [intent], listing,
                                    ids[order], values[order]))
        words = [""] * len(known)
        for word, at in known.items():
            words[at] = word
        return library.build(rows, len(words), words)


def metrics(ranked: list[int], relevant: set[int]) -> tuple[float, float, float]:
    top10 = ranked[:10]
    precision = sum(1 for p in top10 if p in relevant) / 10
    recall = sum(1 for p in ranked[:50] if p in relevant) / len(relevant)
    dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(top10) if p in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return precision, recall, dcg / ideal


def evaluate(world: World, seed: int) -> dict[str, tuple[float, float, float]]:
    lib = world.library()
    queries = [q for _, q in world.enterprises]
    relevant = [{pid for pid, topic in world.topic_of.items() if topic in true} for true, _ in world.enterprises]
    industry_only = {key: 0.0 for key in weights.DEFAULTS} | {"industry": 1.0}
    runs = {"matcher": weights.DEFAULTS, "industry-only": industry_only}
    results = {}
    for name, w in runs.items():
        scored = scoring.score(lib, queries, w, limit=50, min_score=0.0)
        values = [metrics([m.patent_id for m in matches], rel) for (_q, matches, _c), rel in zip(scored, relevant,
                                                                                               strict=True)]
        results[name] = tuple(float(np.mean(column)) for column in zip(*values, strict=True))
    rng = random.Random(seed)
    ids = [row[0] for row in world.rows]
    values = [metrics(rng.sample(ids, 50), rel) for rel in relevant]
    results["random"] = tuple(float(np.mean(column)) for column in zip(*values, strict=True))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    words = dictionary_words()
    half = len(words) // 2
    pools = {"dev vocabulary": words[:half], "held-out vocabulary": words[half:]}
    print(f"{INDUSTRIES * TOPICS_PER_INDUSTRY} topics, {INDUSTRIES * TOPICS_PER_INDUSTRY * PATENTS_PER_TOPIC:,} "
          f"patents, {ENTERPRISES} enterprises per world; {len(words):,} dictionary words split in two pools")
    for pool_name, pool in pools.items():
        print(f"\n== {pool_name} ==")
        print(f"{'seed':>4}  {'ranker':<14}{'P@10':>7}{'R@50':>7}{'NDCG@10':>9}")
        totals: dict[str, list] = {}
        for seed in range(1, args.seeds + 1):
            results = evaluate(World(seed * 101 + (0 if pool_name.startswith("dev") else 7), pool), seed)
            for name, (p, r, n) in results.items():
                totals.setdefault(name, []).append((p, r, n))
                print(f"{seed:>4}  {name:<14}{p:7.3f}{r:7.3f}{n:9.3f}")
        print("mean")
        for name, rows in totals.items():
            p, r, n = (float(np.mean(column)) for column in zip(*rows, strict=True))
            print(f"      {name:<14}{p:7.3f}{r:7.3f}{n:9.3f}")
        matcher, industry = np.mean(totals["matcher"], axis=0), np.mean(totals["industry-only"], axis=0)
        print(f"      matcher / industry-only: P@10 ×{matcher[0] / max(industry[0], 1e-9):.1f}, "
              f"R@50 ×{matcher[1] / max(industry[1], 1e-9):.1f}, NDCG@10 ×{matcher[2] / max(industry[2], 1e-9):.1f}")


if __name__ == "__main__":
    main()
