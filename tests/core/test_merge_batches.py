"""merge_batches: per-group sorted batches in, one stream in timestamp order out.

Events of different groups sharing a millisecond may come out in either group order; each
group's own order is kept."""

from __future__ import annotations

import random

from eventctl.core.logs import LogEvent, merge_batches


def event(group: str, timestamp: int, n: int) -> LogEvent:
    return LogEvent(timestamp, group, group, "s", f"{group}-{n}", f"{group} {n}")


def batches(events: list[LogEvent], sizes: list[int]) -> list[list[LogEvent]]:
    out, start = [], 0
    for size in sizes:
        out.append(events[start : start + size])
        start += size
    return out


def test_random_groups_merge_in_order_complete_and_keep_each_group_s_order() -> None:
    rng = random.Random(5)
    for _ in range(200):
        groups = []
        for g in "abcd"[: rng.randint(1, 4)]:
            stamps = sorted(rng.randint(0, 30) for _ in range(rng.randint(0, 25)))
            events = [event(g, ts, n) for n, ts in enumerate(stamps)]
            sizes = [rng.randint(0, 6) for _ in range(12)]
            sizes.append(len(events))  # the rest, and some empty batches on the way
            groups.append(batches(events, sizes))

        merged = list(merge_batches([iter(g) for g in groups]))

        everything = [e for group in groups for batch in group for e in batch]
        stamps = [e.timestamp for e in merged]
        assert stamps == sorted(stamps)
        assert sorted(merged) == sorted(everything)
        for g in "abcd":
            assert [e for e in merged if e.group == g] == [e for e in everything if e.group == g]
