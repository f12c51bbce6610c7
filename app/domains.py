"""Domain discovery: every package app/<name>/ with a router.py is a domain mounted at /<name>."""

import importlib
from types import ModuleType

from app.errors import ConstraintAnswer
from app.settings import ROOT, Settings

APP_DIR = ROOT / "app"


def available_domains() -> list[str]:
    return sorted(p.parent.name for p in APP_DIR.glob("*/router.py"))


def enabled_domains(settings: Settings) -> list[str]:
    """The domains CATALOG_DOMAINS asks for (all by default); an unknown name is an error."""
    known = available_domains()
    wanted = settings.domain_filter()
    if wanted is None:
        return known
    unknown = sorted(wanted - set(known))
    if unknown:
        raise ValueError(f"CATALOG_DOMAINS names unknown domains {unknown}; known: {known}")
    return [name for name in known if name in wanted]


def domain_module(domain: str, module: str) -> ModuleType | None:
    """app.<domain>.<module>, or None when the domain has no such module."""
    if not (APP_DIR / domain / f"{module}.py").exists():
        return None
    return importlib.import_module(f"app.{domain}.{module}")


def enabled_domain_modules(settings: Settings, module: str) -> dict[str, ModuleType]:
    """app.<domain>.<module> of every enabled domain that has one, by domain name."""
    found = {}
    for domain in enabled_domains(settings):
        loaded = domain_module(domain, module)
        if loaded is not None:
            found[domain] = loaded
    return found


def domain_constraint_errors(domains: list[str]) -> dict[tuple[str, str], ConstraintAnswer]:
    """Each domain's CONSTRAINT_ERRORS (app/<domain>/errors.py), keyed by (schema, constraint): schema = domain."""
    found: dict[tuple[str, str], ConstraintAnswer] = {}
    for domain in domains:
        module = domain_module(domain, "errors")
        for constraint, answer in getattr(module, "CONSTRAINT_ERRORS", {}).items():
            found[(domain, constraint)] = answer
    return found
