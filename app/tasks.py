"""Ending the app's background tasks (position polls, the schema change listener) at shutdown."""

import asyncio
import logging

log = logging.getLogger(__name__)

STOP_SECONDS = 5.0


async def stop_task(task: asyncio.Task[None], timeout: float = STOP_SECONDS) -> None:
    """Cancel `task` and wait until it ends, at most `timeout` seconds (then log it); cancelled again every
    0.1 s while it runs on, since a cancel that lands as an awaited call completes can be lost (gh-86296)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.error("background task %r did not end within %gs of being cancelled", task.get_name(), timeout)
            return
        task.cancel()
        await asyncio.wait({task}, timeout=min(0.1, remaining))
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %r ended with %r", task.get_name(), task.exception())
