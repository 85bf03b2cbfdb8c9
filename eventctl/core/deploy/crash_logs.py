"""The last log lines of a crashing container, read through the engine `logs tail` uses.

ECS's awslogs driver names a task's stream `<prefix>/<container>/<task id>`, so the lines of
the tasks that crashed are the group's events whose stream ends with one of their ids.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from eventctl.adapters.aws.logs import LogGroupNotFound
from eventctl.core.logs import LogEvent, LogSource, PageSource, TailOptions, tail
from eventctl.errors import EventctlError

CRASH_LOG_LINES = 20


def last_lines(
    pages: PageSource,
    group: str,
    label: str,
    task_ids: Sequence[str],
    *,
    since_ms: int,
    limit: int = CRASH_LOG_LINES,
) -> tuple[list[LogEvent], str | None]:
    """(the last `limit` lines of the tasks `task_ids`, oldest first; a note when none could
    be read). Reads only."""
    ids = tuple(task_ids)
    kept: deque[LogEvent] = deque(maxlen=limit)
    try:
        for item in tail(pages, [LogSource(label, group)], TailOptions(start_ms=since_ms)):
            if isinstance(item, LogEvent) and item.stream.endswith(ids):
                kept.append(item)
    except LogGroupNotFound:
        return [], f"log group {group} does not exist: the container never logged"
    except EventctlError as exc:
        return [], f"could not read {group}: {exc.message}"
    if not kept:
        return [], f"no log lines of the stopped tasks in {group}"
    return list(kept), None
