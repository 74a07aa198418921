"""Several web processes: ``jointprojects serve --workers N`` runs gunicorn (POSIX).

Each process builds its own application after the fork (its own database pool; nothing is
shared but the database, Redis and the embedded queue's file). With the embedded queue each
process also consumes jobs (one thread each); with Redis, ``jointprojects worker`` processes
do. waitress stays the server of one process (and of systems without fork).
"""

from __future__ import annotations

from typing import Any

from jointprojects import create_app
from jointprojects.jobs import queue


def run_gunicorn(*, host: str, port: int, workers: int, threads: int, consume: bool) -> None:
    from gunicorn.app.base import BaseApplication  # POSIX only: imported when used

    def post_worker_init(worker: Any) -> None:
        if consume:
            queue.start_embedded_consumer(worker.wsgi)

    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # A request under the report threshold may still take a while; longer work is a job.
        "timeout": 120,
        "graceful_timeout": 10,
        "post_worker_init": post_worker_init,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "jointprojects",
    }

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app()

    Server().run()
