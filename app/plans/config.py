"""What a plan check runs against and the thresholds its rules use."""

from dataclasses import dataclass, field
from pathlib import Path

# Planner settings pinned in every checking session and recorded in the report. They should
# match production's postgresql.conf; parallel workers are off so buffers and plans do not
# depend on how many workers happen to be free.
PLANNER_SETTINGS: dict[str, str] = {
    "work_mem": "4MB",
    "random_page_cost": "1.1",
    "seq_page_cost": "1",
    "effective_cache_size": "4GB",
    "effective_io_concurrency": "1",
    "max_parallel_workers_per_gather": "0",
    "enable_seqscan": "on",
    "enable_indexscan": "on",
    "enable_bitmapscan": "on",
    "enable_indexonlyscan": "on",
    "enable_sort": "on",
    "enable_hashjoin": "on",
    "enable_mergejoin": "on",
    "enable_nestloop": "on",
}


@dataclass(frozen=True)
class Thresholds:
    """The numbers the rules compare against (see rules.py for what each rule means)."""

    seq_scan_rows: int = 10_000
    estimate_factor: float = 100.0
    estimate_min_rows: int = 100
    buffer_tolerance: float = 1.5
    buffer_slack: int = 20


@dataclass(frozen=True)
class CheckConfig:
    """Where queries, cases, baselines and reports live, and the checking database's name."""

    queries_dir: Path
    schema_dir: Path
    reports_dir: Path
    database: str = "catalog_plans"
    statistics_target: int = 10_000
    # Earlier builds kept as <database>_<fingerprint> (app/plans/fixture.py), for branch switches.
    keep_builds: int = 2
    thresholds: Thresholds = field(default_factory=Thresholds)
    planner_settings: dict[str, str] = field(default_factory=lambda: dict(PLANNER_SETTINGS))

    def baseline_dir(self, namespace: str) -> Path:
        """Baselines of a namespace's queries: queries/<namespace>/plans/."""
        return self.queries_dir / namespace / "plans"
