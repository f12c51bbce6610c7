"""A lean path for operations that return a prebuilt Response (the JSON list and search endpoints): the
request is validated and the handler called without FastAPI's route scan, dependency solver and
exception layers, from a plan derived once at start-up from the FastAPI route itself (its endpoint's
signature, its `Query()` FieldInfos, its body model, its `Depends()`), so the route stays the one
declaration of the operation (OpenAPI, validation rules, error format).

Whatever the plan does not recognise is never served here: a GET or POST at a path without parameters,
taking query parameters, at most one JSON body model (POST) and `async def` dependencies that take only
the request and other such dependencies, declared to return a Response; anything else goes to FastAPI.
And a request the plan would answer with an error (an unknown, repeated or invalid query parameter, a
NUL character, a missing required one, a body that is not exactly `application/json` or does not
validate) is handed to FastAPI untouched, which answers it as it always has: only valid requests take
the lean path, so every validation error keeps FastAPI's format. Errors raised by the handler or its
dependencies are answered by the app's own exception handlers, looked up as Starlette's
ExceptionMiddleware does.
"""

import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, Union
from urllib.parse import parse_qsl

from fastapi import BackgroundTasks, FastAPI, Request, params
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security import SecurityScopes
from pydantic import BaseModel, ValidationError, create_model
from pydantic.fields import FieldInfo
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.responses import Response
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.strict_query import reject_unknown_query
from app.validation import reject_nul_characters

CHECKED_HERE: frozenset[Callable[..., Any]] = frozenset({reject_unknown_query, reject_nul_characters})
"""App-wide dependencies whose checks the lean path makes itself (a request failing them goes to FastAPI)."""

_SEQUENCES = (list, tuple, set, frozenset)
_NOT_QUERY = (HTTPConnection, Response, BackgroundTasks, SecurityScopes, BaseModel)
"""Types FastAPI gives a parameter from elsewhere than the query string (or reads from the body)."""


class NotLean(Exception):
    """Raised while planning: the route declares something the lean path does not serve."""


@dataclass(frozen=True)
class Dependency:
    """An `async def` dependency: its callable, whether FastAPI would cache its value within the request,
    and how each of its arguments is made (None: the Request; a Dependency: that one's value)."""

    call: Callable[..., Awaitable[Any]]
    use_cache: bool
    arguments: tuple[tuple[str, "Dependency | None"], ...]


@dataclass(frozen=True)
class Operation:
    """How one operation is served on the lean path."""

    route: APIRoute
    endpoint: Callable[..., Awaitable[Any]]
    dependencies: tuple[Dependency, ...]
    """The route's own dependencies (include, router and route level), run in FastAPI's order."""
    arguments: tuple[tuple[str, "Dependency | None"], ...]
    """The endpoint's request and dependency arguments."""
    query: type[BaseModel]
    """The query parameters as one model (field names are the endpoint's parameter names)."""
    aliases: frozenset[str]
    """The query parameter names the operation takes."""
    sequences: frozenset[str]
    """Those that may repeat (list parameters)."""
    body: tuple[str, type[BaseModel]] | None = None
    """The endpoint's JSON body parameter and its model (POST only)."""


def _is_sequence(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_sequence(typing.get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_is_sequence(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    return origin in _SEQUENCES or annotation in _SEQUENCES


def _mentions(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Whether a type, or any type inside it (unions, generics), is one of `kinds`."""
    if isinstance(annotation, type) and issubclass(annotation, kinds):
        return True
    return any(_mentions(arg, kinds) for arg in typing.get_args(annotation))


def _async_callable(call: Any) -> bool:
    if inspect.isfunction(call) or inspect.ismethod(call):
        return inspect.iscoroutinefunction(call)
    return callable(call) and inspect.iscoroutinefunction(type(call).__call__)


def _declared(parameter: inspect.Parameter, hint: Any) -> tuple[Any, list[Any]]:
    """(the type, the metadata FastAPI reads) of a parameter: Annotated's extras and a FieldInfo default."""
    metadata: list[Any] = []
    annotation = hint
    if typing.get_origin(hint) is Annotated:
        annotation, *metadata = typing.get_args(hint)
    if isinstance(parameter.default, (FieldInfo, params.Depends)):
        metadata.append(parameter.default)
    return annotation, metadata


def _dependency(depends: params.Depends) -> Dependency:
    call = depends.dependency
    if call is None or depends.max_concurrency is not None or not _async_callable(call):
        raise NotLean(f"dependency {call!r} is not a plain async def")
    return Dependency(call, depends.use_cache, _arguments(call, allow_query=False)[0])


_Arguments = tuple[tuple[str, Dependency | None], ...]


def _arguments(
    call: Callable[..., Any], allow_query: bool, body: dict[str, type[BaseModel]] | None = None
) -> tuple[_Arguments, dict[str, tuple[Any, FieldInfo]]]:
    """A callable's (request and dependency arguments, query fields: name -> (type, FieldInfo)); a body
    model parameter goes into `body` when it is given, else the callable is NotLean."""
    signature = inspect.signature(call)
    target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
    hints = typing.get_type_hints(target, include_extras=True)
    arguments: list[tuple[str, Dependency | None]] = []
    query: dict[str, tuple[Any, FieldInfo]] = {}
    for name, parameter in signature.parameters.items():
        if parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            raise NotLean(f"{name}: *args or **kwargs")
        annotation, metadata = _declared(parameter, hints.get(name, parameter.annotation))
        depends = [item for item in metadata if isinstance(item, params.Depends)]
        infos = [item for item in metadata if isinstance(item, FieldInfo)]
        if annotation in (Request, HTTPConnection) and not depends and not infos:
            arguments.append((name, None))
        elif depends and not infos:
            arguments.append((name, _dependency(depends[-1])))
        elif not allow_query:
            raise NotLean(f"{name}: a dependency's own parameter")
        elif (
            body is not None
            and not metadata
            and parameter.default is inspect.Parameter.empty
            and isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
        ):
            body[name] = annotation
        elif _mentions(annotation, _NOT_QUERY):
            raise NotLean(f"{name}: a body, a parameter model or a connection object")
        elif all(type(info) is params.Query for info in infos):
            default = parameter.default
            if isinstance(default, FieldInfo) or default is inspect.Parameter.empty:
                default = ...
            if not infos:
                if _is_sequence(annotation):
                    raise NotLean(f"{name}: a list without Query() is a body to FastAPI")
                infos = [params.Query()]
            query[name] = (Annotated[annotation, *infos], default)
        else:
            raise NotLean(f"{name}: a path, header, cookie, body or form parameter")
    return tuple(arguments), query


def plan(route: APIRoute, dependencies: list[params.Depends], method: str = "GET") -> Operation:
    """The lean plan of a route for `method` (GET, or POST with a body model); NotLean when it declares
    something this path does not serve."""
    endpoint = route.endpoint
    if not inspect.iscoroutinefunction(endpoint):
        raise NotLean("the endpoint is not an async def")
    returns = typing.get_type_hints(endpoint).get("return")
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        raise NotLean("the endpoint is not declared to return a Response")
    bodies: dict[str, type[BaseModel]] = {}
    arguments, query = _arguments(endpoint, allow_query=True, body=bodies if method == "POST" else None)
    if len(bodies) > 1:
        raise NotLean("more than one body parameter: FastAPI embeds them")
    model = create_model(f"{endpoint.__name__}_query", **query)  # type: ignore[call-overload]
    aliases, sequences = set(), set()
    for name, field in model.model_fields.items():
        alias = field.alias or name
        aliases.add(alias)
        if _is_sequence(field.annotation):
            sequences.add(alias)
    return Operation(
        route=route,
        endpoint=endpoint,
        dependencies=tuple(_dependency(depends) for depends in dependencies if depends.dependency not in CHECKED_HERE),
        arguments=arguments,
        query=model,
        aliases=frozenset(aliases),
        sequences=frozenset(sequences),
        body=next(iter(bodies.items()), None),
    )


LEAN_METHODS = ("GET", "POST")


def _may_take(context: RouteContext, method: str, path: str) -> bool:
    """Whether the route could answer `method` at `path`: its path pattern matches and it takes the method
    (a route without methods, a mount, takes any)."""
    methods = context.methods
    if methods and method not in methods:
        return False
    if isinstance(context.original_route, Mount) or context.path is None:
        prefix = (context.path or "").rstrip("/")
        return context.path is None or path == prefix or path.startswith(prefix + "/")
    return compile_path(context.path)[0].match(path) is not None


def lean_operations(app: FastAPI) -> dict[tuple[str, str], Operation]:
    """(method, path) -> lean plan of every GET and POST operation at a path without parameters that the
    lean path serves: the route FastAPI would pick for it (no earlier route takes that method and path)."""
    operations: dict[tuple[str, str], Operation] = {}
    earlier: list[RouteContext] = []
    for context in iter_route_contexts(app.routes):
        path, route = context.path or "", context.original_route
        for method in LEAN_METHODS:
            if (
                isinstance(route, APIRoute)
                and "{" not in path
                and method in (context.methods or ())
                and context.max_body_size is None
                and not any(_may_take(before, method, path) for before in earlier)
            ):
                try:
                    operations[method, path] = plan(route, list(context.dependencies), method)
                except NotLean:
                    pass
        earlier.append(context)
    return operations


def _query_values(operation: Operation, query_string: bytes) -> dict[str, Any] | None:
    """The query parameters as the endpoint's arguments, or None when FastAPI should answer (an unknown,
    repeated, invalid or NUL-holding parameter, or a missing required one)."""
    if not query_string:
        given: dict[str, Any] = {}
    else:
        if b"%00" in query_string:
            return None
        given = {}
        for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):  # as QueryParams
            if name not in operation.aliases:
                return None
            if name in operation.sequences:
                given.setdefault(name, []).append(value)
            elif name in given:
                return None  # FastAPI takes the last; let it
            else:
                given[name] = value
    try:
        values = operation.query.model_validate(given)
    except ValidationError:
        return None
    return vars(values).copy()  # the fields' validated values by name, as FastAPI would pass them


def _json_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request says its body is exactly `application/json` (anything else: FastAPI decides)."""
    return any(name == b"content-type" and value == b"application/json" for name, value in headers)


class LeanPath:
    """Pure ASGI middleware (innermost): a request for a (method, path) `operations` holds is served there
    (see the module docstring); every other request goes on to FastAPI."""

    def __init__(self, app: ASGIApp, operations: Mapping[tuple[str, str], Operation]) -> None:
        self.app = app
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = self.operations.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if operation is None or scope.get("root_path") or scope["app"].dependency_overrides:
            await self.app(scope, receive, send)
            return
        values = _query_values(operation, scope["query_string"])
        if values is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        if operation.body is not None:
            if not _json_body(scope["headers"]):
                await self.app(scope, receive, send)
                return
            try:
                read = await request.body()
            except ClientDisconnect:
                return  # nobody is left to answer
            except HTTPException as exc:  # the request guard's 413
                await _answer_error(request, exc, send)
                return
            except Exception:  # as FastAPI answers a body it could not read
                await _answer_error(request, HTTPException(400, "There was an error parsing the body"), send)
                return
            parsed = _body_value(operation.body[1], read)
            if parsed is None:
                await self.app(scope, _replay(read, receive), send)
                return
            values[operation.body[0]] = parsed
        scope["route"] = operation.route
        scope["endpoint"] = operation.endpoint
        scope["path_params"] = {}
        try:
            cache: dict[Callable[..., Any], Any] = {}
            for dependency in operation.dependencies:
                await _solve(dependency, request, cache)
            for name, argument in operation.arguments:
                values[name] = request if argument is None else await _solve(argument, request, cache)
            response = await operation.endpoint(**values)
            if not isinstance(response, Response):
                raise TypeError(f"{operation.endpoint.__qualname__} is declared to return a Response")
        except Exception as exc:  # nothing is sent yet: answered as FastAPI's exception layer would
            await _answer_error(request, exc, send)
            return
        await response(scope, receive, send)  # an error while sending goes on up, as in FastAPI


async def _answer_error(request: Request, exc: Exception, send: Send) -> None:
    """Answer `exc` with the app's handler for it, or raise it on (to the outermost layer's 500)."""
    handler = _handler(request.app, exc)
    if handler is None:
        raise exc
    answer = handler(request, exc)
    if inspect.isawaitable(answer):
        answer = await answer
    await answer(request.scope, request.receive, send)


def _body_value(model: type[BaseModel], read: bytes) -> BaseModel | None:
    """The body validated by its model, or None when FastAPI should answer it (empty, not JSON, a NUL
    character, invalid)."""
    if not read or b"\\u0000" in read:
        return None
    try:
        return model.model_validate(json.loads(read))
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """The request's receive, with the body this path already read given again first."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


async def _solve(dependency: Dependency, request: Request, cache: dict[Callable[..., Any], Any]) -> Any:
    if dependency.use_cache and dependency.call in cache:
        return cache[dependency.call]
    arguments = {
        name: request if sub is None else await _solve(sub, request, cache) for name, sub in dependency.arguments
    }
    value = await dependency.call(**arguments)
    if dependency.use_cache:
        cache[dependency.call] = value
    return value


def _handler(app: FastAPI, exc: Exception) -> Callable[..., Any] | None:
    """The app's handler for `exc` as Starlette's ExceptionMiddleware finds it (by status code for an
    HTTPException, then by class along the MRO); 500 and Exception are the outermost layer's, not its."""
    handlers = app.exception_handlers
    if isinstance(exc, HTTPException) and exc.status_code in handlers:
        return handlers[exc.status_code]
    for kind in type(exc).__mro__:
        if kind is Exception:
            return None
        if kind in handlers:
            return handlers[kind]
    return None
