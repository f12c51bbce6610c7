"""The `catalog` command: serve, migrate, seed, keys (and plans, see app/plans/)."""

import argparse
import asyncio
import importlib.util
import logging.config
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from app import migrations, roles
from app.access import cli as keys_cli
from app.database import with_database
from app.database_admin import database_exists, resolve_database_url
from app.logs import uvicorn_log_config
from app.queries import CallMismatch, StaleQueryCode
from app.refusals import refusal, refusal_hint
from app.seeding import print_progress, seed_demo_if_empty, seed_modules
from app.settings import Settings, get_settings


def say(message: str) -> None:
    print(f"catalog: {message}", file=sys.stderr, flush=True)


async def _with_connection(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[int]]) -> int:
    url = await resolve_database_url(settings)
    conn = await asyncpg.connect(url)
    try:
        return await work(conn)
    finally:
        await conn.close()


async def _migrate(conn: asyncpg.Connection, settings: Settings, show_status: bool) -> int:
    if show_status:
        state = await migrations.status(conn, settings.schema_dir)
        for name in state.applied:
            edited = "  (EDITED after it was applied)" if name in state.edited else ""
            print(f"applied  {state.modes[name]:<14}  {name}{edited}")
        for name in state.pending:
            print(f"pending  {state.modes[name]:<14}  {name}")
        for name in state.unknown:
            print(f"unknown  {'':<14}  {name}  (applied, but no longer in {settings.schema_dir.name}/)")
        for leftover in await migrations.leftovers(conn, settings.schema_dir):
            index = leftover.index
            print(f"INVALID  index {index.qualified} on {index.table_name}: {leftover.plan()}")
        return 1 if state.edited else 0
    applied = await migrations.migrate(conn, settings.schema_dir, say)
    say(f"applied {', '.join(applied)}" if applied else "schema is up to date")
    if await roles.ensure_app_role(conn, settings):
        say(f"app role {settings.app_role} may read and write the tables, nothing else")
    return 0


async def _seed(conn: asyncpg.Connection, settings: Settings, args: argparse.Namespace) -> int:
    await migrations.migrate(conn, settings.schema_dir)
    modules = seed_modules(settings)
    if args.demo:
        for domain, module in modules.items():
            if await module.is_empty(conn):
                await module.load_demo(conn)
                say(f"{domain}: demo data loaded")
            else:
                say(f"{domain}: has data already, demo not loaded")
    for domain, module in modules.items():
        count = getattr(args, module.SCALE_OPTION, None)
        if count is None:
            continue
        if not await module.is_empty(conn):
            if not args.replace:
                say(f"{domain}: has data already; pass --replace to delete it and load {count:,} synthetic rows")
                return 2
            await module.clear(conn)
            say(f"{domain}: existing data deleted")
        await module.load_synthetic(conn, count, print_progress(domain))
        say(f"{domain}: {count:,} synthetic {module.SCALE_OPTION} loaded")
    return 0


def _dba(
    settings: Settings,
    command: str,
    live: bool = False,
    psql_args: list[str] | None = None,
    plans: bool = False,
    tcp: bool = False,
) -> int:
    """lint-schema, psql and url: the DBA's commands (docs/dba-toolkit.md)."""
    from app import psql, schema_lint

    if command == "lint-schema":
        return asyncio.run(schema_lint.command(settings, live))
    args = psql_args or []
    if command == "psql" and args[:1] == ["--plans"]:
        plans, args = True, args[1:]
    if command == "url":
        problem = psql.not_running(settings, plans)
        if problem:
            say(problem)
            return 1
        if tcp:
            relay, why = psql.tcp_relay(settings, plans)
            if relay is None:
                say(why)
                return 1
            print(relay)
            return 0
    if plans:
        from app.plans.server import plans_admin_url, plans_database

        admin_url, database = plans_admin_url(settings), plans_database(settings)
        if not asyncio.run(database_exists(admin_url, database)):
            say(f"the checking database {database} does not exist yet: scripts/plans builds it (docs/plan-checks.md)")
            return 1
        url = with_database(admin_url, database)
    else:
        url = asyncio.run(resolve_database_url(settings))
    if command == "psql":
        return psql.run_psql(url, args)
    print(url)
    note = psql.embedded_note(settings, plans)
    if note:
        say(note)
    return 0


async def prepare_for_serving(settings: Settings, tell: Callable[[str], None] = say) -> str:
    """Resolve the database, apply migrations, load demo data into empty domains, set up the app role;
    returns the URL to serve with: the app role's when it could be set up, else APP_DATABASE_URL or the owner's."""
    url = await resolve_database_url(settings)
    conn = await asyncpg.connect(url)
    try:
        applied = await migrations.migrate(conn, settings.schema_dir)
        tell(f"applied {', '.join(applied)}" if applied else "schema is up to date")
        loaded = await seed_demo_if_empty(conn, settings)
        if loaded:
            tell(f"demo data loaded for {', '.join(loaded)}")
        if await roles.ensure_app_role(conn, settings):
            return roles.serving_url(url, settings)
    finally:
        await conn.close()
    return settings.app_database_url or url


def serve(settings: Settings, seed: bool, workers: int | None = None) -> int:
    """Migrate and seed (unless told not to), then serve with --workers or WEB_CONCURRENCY processes (app/serving.py)."""
    from app import serving

    tell: Callable[[str], None] = say
    if settings.log_format == "json":  # its messages are log records too: one JSON object per line
        logging.config.dictConfig(uvicorn_log_config(settings))
        tell = logging.getLogger("app.serve").info
    if seed:
        url = asyncio.run(prepare_for_serving(settings, tell))
    else:
        url = asyncio.run(roles.configured_serving_url(settings))
    if not settings.database_url and settings.embedded_tcp_port:
        from app import tcp_forward
        from app.embedded import start_embedded_server

        try:
            socket_file = tcp_forward.socket_path(start_embedded_server(settings.data_dir))
            record = tcp_forward.relay_record(settings.data_dir)
            tcp_forward.start_in_background(socket_file, "127.0.0.1", settings.embedded_tcp_port, record)
            say(
                f"embedded server also on {tcp_forward.tcp_url('127.0.0.1', settings.embedded_tcp_port)}"
                " (GUI tools; EMBEDDED_TCP_PORT; `catalog url --tcp` prints it)"
            )
        except (OSError, ValueError) as exc:
            say(f"warning: the embedded server is not reachable over TCP: {exc}")
    try:
        return serving.run(settings, url, workers or settings.web_concurrency, tell)
    except serving.ServeError as exc:
        tell(f"cannot serve: {exc}")
        return 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catalog", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="migrate, load demo data if empty, and serve the API")
    serve_cmd.add_argument("--no-seed", action="store_true", help="do not migrate or load demo data first")
    serve_cmd.add_argument(
        "--workers",
        type=_positive,
        metavar="N",
        help="worker processes (default: WEB_CONCURRENCY, else 1); pools are sized to fit the server",
    )

    migrate_cmd = commands.add_parser("migrate", help="apply pending schema/ migrations")
    migrate_cmd.add_argument("--status", action="store_true", help="list applied and pending files, change nothing")

    lint_cmd = commands.add_parser("lint-schema", help="schema lints on a database migrated from schema/")
    lint_cmd.add_argument("--live", action="store_true", help="lint the app's database as it is (sequences included)")
    commands.add_parser(
        "psql", help="open psql on the app's database (--plans: the checking database); later arguments go to psql"
    )
    url_cmd = commands.add_parser("url", help="print the connection URL of the app's database")
    url_cmd.add_argument("--plans", action="store_true", help="the plan checks' database (catalog_plans) instead")
    url_cmd.add_argument(
        "--tcp", action="store_true", help="the 127.0.0.1 TCP URL for GUI tools (while scripts/serve relays it)"
    )

    stats_cmd = commands.add_parser(
        "stats", help="each named query's production figures (pg_stat_statements) beside its plan budget"
    )
    stats_cmd.add_argument(
        "--format", choices=("text", "markdown", "json"), default="text", help="output format (default text)"
    )
    stats_cmd.add_argument("--reset", action="store_true", help="then reset the statistics of the app's database")
    stats_cmd.add_argument(
        "--min-calls", type=_positive, default=10, metavar="N", help="judge queries with at least N calls (default 10)"
    )

    seed_cmd = commands.add_parser("seed", help="load demo or synthetic data")
    seed_cmd.add_argument("--demo", action="store_true", help="load each domain's demo data where it is empty")
    seed_cmd.add_argument("--replace", action="store_true", help="delete a domain's data before a synthetic load")
    for module in seed_modules(settings).values():
        seed_cmd.add_argument(f"--{module.SCALE_OPTION}", type=int, metavar="N", help=module.SCALE_HELP)

    if importlib.util.find_spec("psycopg") is not None:  # a development dependency: codegen and verify
        from app.codegen import command as codegen_cli

        codegen_cli.add_parsers(commands)

    from app.plans import cli as plans_cli

    plans_cli.add_parser(commands)
    keys_cli.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["psql"]:  # everything after `psql` is psql's own (-c, -f, -X ...)
        return _dba(settings, "psql", psql_args=argv[1:])
    args = build_parser(settings).parse_args(argv)
    try:
        if args.command == "serve":
            return serve(settings, seed=not args.no_seed, workers=args.workers)
        if args.command == "migrate":
            return asyncio.run(_with_connection(settings, lambda c: _migrate(c, settings, args.status)))
        if args.command == "seed":
            return asyncio.run(_with_connection(settings, lambda c: _seed(c, settings, args)))
        if args.command == "stats":
            from app import stats

            return asyncio.run(stats.command(settings, args.format, args.reset, args.min_calls))
        if args.command == "lint-schema":
            return _dba(settings, args.command, live=args.live)
        if args.command == "url":
            return _dba(settings, args.command, plans=args.plans, tcp=args.tcp)
        if args.command in ("codegen", "verify"):
            from app.codegen import command as codegen_cli

            if args.command == "codegen":
                return codegen_cli.run_codegen(settings, args.check)
            return codegen_cli.run_verify(settings, args.against)
        if args.command == "keys":
            return asyncio.run(_with_connection(settings, lambda c: keys_cli.run(c, settings, args)))
        if args.command == "plans":
            from app.plans import cli as plans_cli

            return plans_cli.run(args, settings)
    except migrations.MigrationError as exc:
        say(f"migration refused: {exc}")
        if exc.hint:
            say(f"hint: {exc.hint}")
        return 1
    except (StaleQueryCode, CallMismatch) as exc:  # a `.sql` file edited: FILE:LINE and what to do
        say(f"catalog {args.command}: {exc}")
        return 1
    except asyncpg.PostgresError as exc:  # the server refused a step: its answer, not a traceback
        say(f"catalog {args.command}: PostgreSQL refused it: {refusal(exc)}")
        say(f"hint: {refusal_hint(exc)}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
