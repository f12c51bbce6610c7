"""Which result columns PostgreSQL guarantees non-null, and which parameters may be null, from its query tree.

Sound by construction: a value is non-null only when a rule below proves it, anything else (an unknown
node, function or operator, a server printing an unexpected tree) is nullable. The rules:
- a table column declared NOT NULL (or of a NOT NULL domain) in the table and every table inheriting
  from it, read from a relation that no outer join, grouping set or `returning old`/`new` can null;
  views and materialized views by their stored query, CTEs by their query (recursive ones to a fixpoint),
  subqueries, `values` by every row, set operations by their branches (`union` all, `intersect` either,
  `except` the left);
- a non-null literal; `count(...)`, `exists (...)`, `array(...)`, `x is [not] null`, `is [not] distinct from`,
  `row_number()`/`rank()`-like window functions, `current_timestamp`-like values, `grouping(...)`;
- `coalesce`, `greatest`/`least` with one proven argument; `case` whose branches and `else` are proven;
- casts, `and`/`or`/`not`, built-in operators and functions known to give non-null on non-null input
  (arithmetic, comparison, `||`, `lower` ...), when every argument is proven;
- aggregates such as `sum`, `max`, `array_agg` over proven arguments in a `group by` query (a group has
  rows), and a scalar subquery that always returns one row (a plain aggregate without `having`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.codegen.querytree import Node, TreeFormatError, read

SELECT, UPDATE, INSERT, DELETE, MERGE = 1, 2, 3, 4, 5
JOIN_LEFT, JOIN_FULL, JOIN_RIGHT = 1, 2, 3
RTE_RELATION, RTE_SUBQUERY, RTE_JOIN, RTE_FUNCTION, RTE_VALUES, RTE_CTE, RTE_GROUP = 0, 1, 2, 3, 5, 6, 9
EXISTS_SUBLINK, ALL_SUBLINK, ANY_SUBLINK, EXPR_SUBLINK, ARRAY_SUBLINK = 0, 1, 2, 4, 6
RETURNING_OLD, RETURNING_NEW = 1, 2
SETOP_INTERSECT, SETOP_EXCEPT = 2, 3
CAST_FORMS = {1, 2}  # CoercionForm: an explicit or implicit cast written as a function call
PARAM_EXTERN, PARAM_SUBLINK = 0, 2

WRAPPERS = {"RELABELTYPE", "COERCEVIAIO", "COERCETODOMAIN", "COLLATEEXPR", "ARRAYCOERCEEXPR", "CONVERTROWTYPEEXPR"}
"""Nodes that only convert their argument (`arg`): null exactly when it is."""
ALWAYS = {"NULLTEST", "BOOLEANTEST", "DISTINCTEXPR", "ARRAYEXPR", "ROWEXPR", "SQLVALUEFUNCTION", "GROUPINGFUNC"}

PRESERVING_OPERATORS = frozenset(
    "+ - * / % ^ |/ ||/ @ & | # ~ << >> || = <> < > <= >= ~~ !~~ ~~* !~~* ~ !~ ~* !~* @> <@ && ?| ?& ? @@ -|- <-> #- "
    "&< &> <<| |>> &<| |&> ^@".split()
)
"""Built-in operators that give a non-null result for non-null arguments (not `->`, `->>`, `#>`: a missing key is null)."""
PRESERVING_FUNCTIONS = frozenset(
    """abs ceil ceiling floor round trunc sign mod power pow sqrt cbrt exp ln log log10 div gcd lcm factorial
    degrees radians sin cos tan asin acos atan atan2 width_bucket scale min_scale trim_scale
    length char_length character_length octet_length bit_length lower upper initcap btrim ltrim rtrim trim
    substr substring left right lpad rpad repeat replace reverse translate split_part strpos position starts_with
    md5 sha224 sha256 sha384 sha512 encode decode quote_ident quote_literal to_hex ascii chr unistr normalize
    regexp_replace regexp_count regexp_like regexp_split_to_array string_to_array array_to_string to_char to_number to_date
    to_timestamp date_trunc date_part extract date_bin age justify_days justify_hours justify_interval
    make_date make_time make_timestamp make_timestamptz make_interval timezone isfinite
    array_cat array_remove array_replace array_fill cardinality array_ndims
    array_dims trim_array array_sample array_shuffle array_reverse array_sort
    to_tsvector to_tsquery plainto_tsquery phraseto_tsquery websearch_to_tsquery setweight strip ts_rank
    ts_rank_cd ts_headline numnode querytree tsvector_to_array array_to_tsvector
    to_json to_jsonb row_to_json array_to_json jsonb_typeof json_typeof jsonb_strip_nulls json_strip_nulls
    jsonb_pretty jsonb_set jsonb_insert jsonb_array_length json_array_length jsonb_concat jsonb_exists
    jsonb_path_exists jsonb_path_match jsonb_contains jsonb_contained
    host hostmask masklen netmask network broadcast abbrev family set_masklen text inet_same_family
    isempty lower_inc upper_inc lower_inf upper_inf range_merge
    int2 int4 int8 float4 float8 numeric bool date time timestamp timestamptz interval varchar bpchar name
    uuid_extract_version""".split()
)
"""Built-in functions that give a non-null result for non-null arguments (not `nullif`, `array_length`,
`lower(range)`/`upper(range)`, `jsonb_extract_path`, `regexp_match`, `array_position`: those can be null).
`lower` and `upper` are kept only over text: see `_function`."""
TOTAL_FUNCTIONS = frozenset(
    """now statement_timestamp clock_timestamp transaction_timestamp timeofday current_date current_time
    current_timestamp localtime localtimestamp current_user session_user current_role current_schema user
    current_database version pg_backend_pid random gen_random_uuid uuidv4 uuidv7 nextval txid_current
    pg_current_xact_id array_append array_prepend concat concat_ws format quote_nullable num_nulls num_nonnulls
    jsonb_build_object json_build_object jsonb_build_array json_build_array
    int4range int8range numrange tsrange tstzrange daterange int4multirange int8multirange nummultirange
    tsmultirange tstzmultirange datemultirange""".split()
)
"""Built-in functions that are never null, whatever their arguments."""
NON_STRICT_PRESERVING = frozenset(
    "string_to_array array_to_string array_cat array_fill array_remove array_replace".split()
)
"""The preserving built-ins PostgreSQL declares non-strict (a null argument has a meaning there): still
non-null for non-null arguments."""
RANGE_BOUND_FUNCTIONS = {"lower", "upper"}
TEXT_TYPES = {25, 1043, 1042, 19}  # text, varchar, bpchar, name: `lower`/`upper` of these are never null
GROUPED_AGGREGATES = frozenset(
    "sum avg min max bool_and bool_or every bit_and bit_or bit_xor string_agg range_agg range_intersect_agg".split()
)
"""Aggregates that are non-null over a non-empty group of non-null values."""
GROUP_TOTAL_AGGREGATES = frozenset("count array_agg json_agg jsonb_agg".split())
"""Aggregates that are non-null over any non-empty group (count: over any input at all)."""
RANKING_WINDOWS = frozenset("row_number rank dense_rank percent_rank cume_dist count".split())


@dataclass(frozen=True)
class Routine:
    name: str
    schema: str
    strict: bool

    @property
    def builtin(self) -> bool:
        return self.schema == "pg_catalog"


@dataclass
class Catalog:
    """Facts of the live database the rules need, looked up once per oid."""

    functions: dict[int, Routine]
    operators: dict[int, Routine]
    columns: Callable[[int], dict[int, bool]]  # relation oid -> {attnum: proven non-null}
    relation: Callable[[int], tuple[str, str | None]]  # relation oid -> (relkind, stored query tree of a view)
    insert_triggers: Callable[[int], int]  # table oid -> BEFORE ROW INSERT triggers on it and its partitions
    array_types: frozenset[int]  # oids of the array types
    _columns: dict[int, dict[int, bool]] = field(default_factory=dict)
    _relations: dict[int, tuple[str, Node | None]] = field(default_factory=dict)

    def column_not_null(self, relid: int, attnum: int) -> bool:
        if relid not in self._columns:
            self._columns[relid] = self.columns(relid)
        return self._columns[relid].get(attnum, False)

    def relkind(self, relid: int) -> tuple[str, Node | None]:
        if relid not in self._relations:
            kind, text = self.relation(relid)
            tree = None
            if text:
                try:
                    value = read(text)
                    found = value[0] if isinstance(value, list) and value else value
                    tree = found if isinstance(found, Node) and found.type == "QUERY" else None
                except TreeFormatError:
                    tree = None
            self._relations[relid] = (kind, tree)
        return self._relations[relid]


@dataclass
class Scope:
    query: Node
    parent: "Scope | None"
    nulled: frozenset[int]  # range table indexes on the nullable side of an outer join
    grouping_sets: bool


def _nulled(node: Any, inside: bool, acc: set[int]) -> None:
    if not isinstance(node, Node):
        return
    if node.type == "RANGETBLREF":
        if inside:
            acc.add(node.int("rtindex"))
    elif node.type == "JOINEXPR":
        kind = node.int("jointype")
        _nulled(node.get("larg"), inside or kind in (JOIN_FULL, JOIN_RIGHT), acc)
        _nulled(node.get("rarg"), inside or kind in (JOIN_LEFT, JOIN_FULL), acc)
        if inside:
            acc.add(node.int("rtindex"))
    elif node.type == "FROMEXPR":
        for item in node.nodes("fromlist"):
            _nulled(item, inside, acc)


def _scope(query: Node, parent: Scope | None) -> Scope:
    acc: set[int] = set()
    _nulled(query.get("jointree"), False, acc)
    if query.int("commandType") == MERGE:  # the source's columns are null for `when not matched by source`
        acc |= {i for i in range(1, len(query.nodes("rtable")) + 1) if i != query.int("resultRelation")}
    return Scope(query, parent, frozenset(acc), bool(query.nodes("groupingSets")))


def _targets(query: Node) -> list[Node]:
    if query.int("commandType") in (INSERT, UPDATE, DELETE, MERGE):
        entries = query.nodes("returningList")
    else:
        entries = query.nodes("targetList")
    return [e for e in entries if isinstance(e, Node) and not e.flag("resjunk")]


def _strip(expr: Any) -> Any:
    """The expression under conversions: wrapper nodes and casts written as calls (`numeric(x, typmod)`)."""
    while isinstance(expr, Node):
        if expr.type in WRAPPERS:
            expr = expr.get("arg")
        elif expr.type == "FUNCEXPR" and expr.int("funcformat") in CAST_FORMS and expr.nodes("args"):
            expr = expr.nodes("args")[0]
        else:
            break
    return expr


class Analysis:
    """Nullability of one statement's result columns and parameters (see the module's rules)."""

    def __init__(self, catalog: Catalog, elements: bool = False) -> None:
        self.catalog = catalog
        self.of_elements = elements  # prove "no element is null" of arrays instead of "not null"
        self.values = Analysis(catalog) if elements else self
        self._cte_done: dict[int, list[bool]] = {}
        self._cte_assumed: dict[int, list[bool]] = {}

    # --- result columns -----------------------------------------------------------------------------

    def outputs(self, query: Node, parent: Scope | None = None) -> list[bool]:
        """Per result column of `query` (in order): proven non-null."""
        return [proven for _, proven in self._by_resno(query, parent)]

    def _by_resno(self, query: Node, parent: Scope | None) -> list[tuple[int, bool]]:
        scope = _scope(query, parent)
        setop = query.get("setOperations")
        if isinstance(setop, Node) and query.int("commandType") == SELECT:
            proven = self._setop(setop, scope)
            return [(entry.int("resno"), k < len(proven) and proven[k]) for k, entry in enumerate(_targets(query))]
        return [(entry.int("resno"), self.proven(entry.get("expr"), scope)) for entry in _targets(query)]

    def proven(self, expr: Any, scope: Scope) -> bool:
        """What this analysis proves of an expression: not null, or (of arrays) no null element."""
        return self.array_elements(expr, scope) if self.of_elements else self.expr(expr, scope)

    def _setop(self, node: Any, scope: Scope) -> list[bool]:
        """Per column of a set operation: `union` needs both branches, `intersect` either, `except` the left."""
        if isinstance(node, Node) and node.type == "SETOPERATIONSTMT":
            left, right = self._setop(node.get("larg"), scope), self._setop(node.get("rarg"), scope)
            op = node.int("op")
            if op == SETOP_INTERSECT:
                return [a or b for a, b in zip(left, right)]
            if op == SETOP_EXCEPT:
                return left
            return [a and b for a, b in zip(left, right)]
        if isinstance(node, Node) and node.type == "RANGETBLREF":
            rte = self._rte(scope, node.int("rtindex"))
            subquery = rte.get("subquery") if rte is not None else None
            return self.outputs(subquery, scope) if isinstance(subquery, Node) else []
        return []

    def one_row(self, query: Node, parent: Scope | None = None) -> bool:
        """`query` always returns exactly one row: a plain aggregate without `having`, a `select` of
        expressions, or an `insert ... values` of one row into a table no trigger can skip it in."""
        if query.int("commandType") == INSERT:
            rtable = query.nodes("rtable")
            index = query.int("resultRelation")
            target = rtable[index - 1] if 0 < index <= len(rtable) else None
            return (
                isinstance(target, Node)
                and len(rtable) == 1
                and self.catalog.relkind(target.int("relid"))[0] in ("r", "p")
                and query.get("onConflict") is None
                and not query.nodes("cteList")
                and self.catalog.insert_triggers(target.int("relid")) == 0
            )
        if query.int("commandType") != SELECT or query.get("setOperations") is not None:
            return False
        if any(query.get(k) for k in ("groupClause", "groupingSets", "havingQual", "limitCount", "limitOffset")):
            return False
        if query.flag("hasTargetSRFs") or query.flag("hasWindowFuncs") and not query.flag("hasAggs"):
            return False
        jointree = query.get("jointree")
        if query.flag("hasAggs"):
            return True
        return isinstance(jointree, Node) and not jointree.nodes("fromlist") and jointree.get("quals") is None

    def _rte(self, scope: Scope, index: int) -> Node | None:
        rtable = scope.query.nodes("rtable")
        rte = rtable[index - 1] if 0 < index <= len(rtable) else None
        return rte if isinstance(rte, Node) else None

    def expr(self, expr: Any, scope: Scope, in_aggregate: bool = False) -> bool:
        if not isinstance(expr, Node):
            return False
        kind = expr.type
        args = expr.nodes("args")
        if kind == "VAR":
            return self._var(expr, scope, in_aggregate)
        if kind == "CONST":
            return not expr.flag("constisnull")
        if kind in WRAPPERS:
            return self.expr(expr.get("arg"), scope, in_aggregate)
        if kind in ALWAYS:
            return True
        if kind == "BOOLEXPR":
            return all(self.expr(a, scope, in_aggregate) for a in args)
        if kind in ("COALESCEEXPR", "MINMAXEXPR"):
            return any(self.expr(a, scope, in_aggregate) for a in args)
        if kind == "CASEEXPR":
            whens = [w.get("result") for w in args if isinstance(w, Node)]
            return all(self.expr(r, scope, in_aggregate) for r in [*whens, expr.get("defresult")])
        if kind == "FUNCEXPR":
            return self._function(expr, scope, in_aggregate)
        if kind == "OPEXPR":
            op = self.catalog.operators.get(expr.int("opno"))
            return (
                op is not None
                and op.builtin
                and op.strict
                and op.name in PRESERVING_OPERATORS
                and all(self.expr(a, scope, in_aggregate) for a in args)
            )
        if kind == "AGGREF":
            return self._aggregate(expr, scope)
        if kind == "WINDOWFUNC":
            fn = self.catalog.functions.get(expr.int("winfnoid"))
            return fn is not None and fn.builtin and fn.name in RANKING_WINDOWS
        if kind == "SUBLINK":
            return self._sublink(expr, scope)
        return False

    def _function(self, expr: Node, scope: Scope, in_aggregate: bool) -> bool:
        fn = self.catalog.functions.get(expr.int("funcid"))
        if fn is None or expr.flag("funcretset"):
            return False
        args = expr.nodes("args")
        proven = all(self.expr(a, scope, in_aggregate) for a in args)
        if expr.int("funcformat") in CAST_FORMS:
            return fn.strict and proven
        if not fn.builtin:
            return False
        if fn.name in TOTAL_FUNCTIONS:
            return True
        if fn.name in RANGE_BOUND_FUNCTIONS and not all(
            isinstance(a, Node) and _type_of(a) in TEXT_TYPES for a in args
        ):
            return False
        return (fn.strict or fn.name in NON_STRICT_PRESERVING) and fn.name in PRESERVING_FUNCTIONS and proven

    def _aggregate(self, expr: Node, scope: Scope) -> bool:
        fn = self.catalog.functions.get(expr.int("aggfnoid"))
        if fn is None or not fn.builtin or expr.int("agglevelsup") != 0:
            return False
        if fn.name == "count":
            return True
        grouped = bool(scope.query.nodes("groupClause")) and not scope.grouping_sets
        if not grouped or expr.get("aggfilter") is not None:
            return False
        if fn.name in GROUP_TOTAL_AGGREGATES:
            return True
        entries = [e.get("expr") for e in expr.nodes("args") if isinstance(e, Node)]
        return fn.name in GROUPED_AGGREGATES and all(self.expr(e, scope, in_aggregate=True) for e in entries)

    def _sublink(self, expr: Node, scope: Scope) -> bool:
        kind = expr.int("subLinkType")
        subquery = expr.get("subselect")
        if kind in (EXISTS_SUBLINK, ARRAY_SUBLINK):
            return True
        if not isinstance(subquery, Node):
            return False
        if kind == EXPR_SUBLINK:
            outs = self.outputs(subquery, scope)
            return self.one_row(subquery, scope) and len(outs) == 1 and outs[0]
        if kind in (ANY_SUBLINK, ALL_SUBLINK):  # `x in (select y ...)`: null when x or some y is null
            outs = self.outputs(subquery, scope)
            test = expr.get("testexpr")
            return all(outs) and self._test_proven(test, scope, outs)
        return False

    def _test_proven(self, test: Any, scope: Scope, outs: list[bool]) -> bool:
        if not isinstance(test, Node):
            return False
        if test.type == "PARAM" and test.int("paramkind") == PARAM_SUBLINK:
            k = test.int("paramid") - 1
            return 0 <= k < len(outs) and outs[k]
        if test.type == "OPEXPR":
            op = self.catalog.operators.get(test.int("opno"))
            if op is None or not (op.builtin and op.strict and op.name in PRESERVING_OPERATORS):
                return False
            return all(self._test_proven(a, scope, outs) for a in test.nodes("args"))
        if test.type == "BOOLEXPR":
            return all(self._test_proven(a, scope, outs) for a in test.nodes("args"))
        return self.expr(test, scope)

    def _var(self, var: Node, scope: Scope, in_aggregate: bool) -> bool:
        at: Scope | None = scope
        for _ in range(var.int("varlevelsup")):
            at = at.parent if at is not None else None
        if at is None:
            return False
        varno, attno = var.int("varno"), var.int("varattno")
        if self.of_elements:  # outer joins and grouping sets null whole values, never elements
            rte = self._rte(at, varno)
            return rte is not None and attno > 0 and self._column(rte, attno, at)
        if varno in at.nulled or var.get("varnullingrels"):
            return False
        if at.grouping_sets and not in_aggregate and var.int("varlevelsup") == 0:
            return False
        returning = var.int("varreturningtype")
        command = at.query.int("commandType")
        if (returning == RETURNING_OLD and command in (INSERT, MERGE)) or (
            returning == RETURNING_NEW and command in (DELETE, MERGE)
        ):
            return False
        rte = self._rte(at, varno)
        if rte is None:
            return False
        if attno < 0:  # a system column (ctid, xmin ...)
            return True
        if attno == 0:  # the whole row
            return rte.int("rtekind") in (RTE_RELATION, RTE_SUBQUERY, RTE_CTE)
        return self._column(rte, attno, at)

    def _column(self, rte: Node, attno: int, scope: Scope) -> bool:
        kind = rte.int("rtekind")
        if kind == RTE_RELATION:
            relid = rte.int("relid")
            relkind, definition = self.catalog.relkind(relid)
            if relkind in ("v", "m"):
                return definition is not None and self._resno(definition, None, attno)
            if relkind in ("r", "p") and not self.of_elements:  # no constraint says "no null element"
                return self.catalog.column_not_null(relid, attno)
            return False  # foreign tables: NOT NULL is not enforced there
        if kind == RTE_SUBQUERY:
            subquery = rte.get("subquery")
            return isinstance(subquery, Node) and self._resno(subquery, scope, attno)
        if kind == RTE_JOIN:
            aliases = rte.nodes("joinaliasvars")
            return attno <= len(aliases) and self.proven(aliases[attno - 1], scope)
        if kind == RTE_FUNCTION:
            return not self.of_elements and self._function_column(rte, attno, scope)
        if kind == RTE_VALUES:
            rows = rte.nodes("values_lists")
            return bool(rows) and all(
                isinstance(row, list) and attno <= len(row) and self.proven(row[attno - 1], scope) for row in rows
            )
        if kind == RTE_CTE:
            outs = self._cte(rte, scope)
            return attno <= len(outs) and outs[attno - 1]
        if kind == RTE_GROUP:
            exprs = rte.nodes("groupexprs")
            if self.of_elements:
                return attno <= len(exprs) and self.proven(exprs[attno - 1], scope)
            return not scope.grouping_sets and attno <= len(exprs) and self.expr(exprs[attno - 1], scope)
        return False

    def _resno(self, query: Node, parent: Scope | None, attno: int) -> bool:
        return any(resno == attno and proven for resno, proven in self._by_resno(query, parent))

    def _function_column(self, rte: Node, attno: int, scope: Scope) -> bool:
        functions = [f for f in rte.nodes("functions") if isinstance(f, Node)]
        offset = 0
        for item in functions:
            count = item.int("funccolcount")
            if attno <= offset + count:
                call = item.get("funcexpr")
                if count != 1 or not isinstance(call, Node) or call.type != "FUNCEXPR":
                    return False
                fn = self.catalog.functions.get(call.int("funcid"))
                if fn is None or not fn.builtin or fn.name not in ("generate_series", "generate_subscripts"):
                    return False  # `unnest` and other set-returning functions may yield nulls
                return fn.strict and all(self.expr(a, scope) for a in call.nodes("args"))
            offset += count
        return rte.flag("funcordinality") and attno == offset + 1 and len(functions) == 1

    def _cte(self, rte: Node, scope: Scope) -> list[bool]:
        owner: Scope | None = scope
        for _ in range(rte.int("ctelevelsup")):
            owner = owner.parent if owner is not None else None
        if owner is None:
            return []
        name = rte.get("ctename")
        found = [c for c in owner.query.nodes("cteList") if isinstance(c, Node) and c.get("ctename") == name]
        if not found or not isinstance(found[0].get("ctequery"), Node):
            return []
        cte, query = found[0], found[0].get("ctequery")
        key = id(cte)
        if key in self._cte_done:
            return self._cte_done[key]
        if key in self._cte_assumed:  # a recursive reference: the assumption being checked
            return self._cte_assumed[key]
        assumed = [True] * len(_targets(query))
        while True:  # the greatest fixpoint: non-null columns stay non-null through every recursion step
            self._cte_assumed[key] = assumed
            found_now = self.outputs(query, owner)
            narrowed = [a and f for a, f in zip(assumed, found_now)] + [False] * (len(assumed) - len(found_now))
            if narrowed == assumed or not cte.flag("cterecursive"):
                break
            assumed = narrowed
        del self._cte_assumed[key]
        self._cte_done[key] = narrowed
        return narrowed

    def array_elements(self, expr: Any, scope: Scope) -> bool:
        """An array expression none of whose elements can be null: `array[...]`, `array(select ...)` or
        `array_agg(...)` of proven values, `string_to_array(s, sep)`, and what is built from those."""
        if not isinstance(expr, Node):
            return False
        kind = expr.type
        values = self.values
        if kind == "VAR":
            return self._var(expr, scope, False)
        if kind == "CONST":
            return expr.flag("constisnull")  # a null array has no element
        if kind in ("RELABELTYPE", "COERCETODOMAIN", "COLLATEEXPR", "ARRAYCOERCEEXPR"):
            return self.array_elements(expr.get("arg"), scope)
        if kind == "ARRAYEXPR":
            items = expr.nodes("elements")
            if expr.flag("multidims"):
                return all(self.array_elements(item, scope) for item in items)
            return all(values.expr(item, scope) for item in items)
        if kind == "SUBLINK" and expr.int("subLinkType") == ARRAY_SUBLINK:
            subquery = expr.get("subselect")
            if not isinstance(subquery, Node):
                return False
            outs = values.outputs(subquery, scope)
            entries = _targets(subquery)
            nested = bool(entries) and _type_of(entries[0].get("expr")) in self.catalog.array_types
            return len(outs) == 1 and outs[0] and not nested
        if kind in ("COALESCEEXPR", "CASEEXPR"):
            parts = (
                expr.nodes("args")
                if kind == "COALESCEEXPR"
                else [
                    *(w.get("result") for w in expr.nodes("args") if isinstance(w, Node)),
                    expr.get("defresult"),
                ]
            )
            return all(self.array_elements(part, scope) for part in parts)
        if kind == "AGGREF":
            fn = self.catalog.functions.get(expr.int("aggfnoid"))
            entries = [e.get("expr") for e in expr.nodes("args") if isinstance(e, Node)]
            return (
                fn is not None
                and fn.builtin
                and fn.name == "array_agg"
                and len(entries) == 1
                and _type_of(entries[0]) not in self.catalog.array_types
                and values.expr(entries[0], scope, in_aggregate=True)
            )
        if kind == "FUNCEXPR":
            return self._array_function(expr, scope)
        return False

    def _array_function(self, expr: Node, scope: Scope) -> bool:
        fn = self.catalog.functions.get(expr.int("funcid"))
        args = expr.nodes("args")
        if fn is None or not fn.builtin or expr.int("funcformat") in CAST_FORMS:
            return False
        if fn.name in ("string_to_array", "regexp_split_to_array") and len(args) == 2:
            return True
        if fn.name == "array_append" and len(args) == 2:
            return self.array_elements(args[0], scope) and self.values.expr(args[1], scope)
        if fn.name == "array_prepend" and len(args) == 2:
            return self.values.expr(args[0], scope) and self.array_elements(args[1], scope)
        if fn.name == "array_cat":
            return all(self.array_elements(a, scope) for a in args)
        return False

    # --- parameters ---------------------------------------------------------------------------------

    def nullable_params(self, query: Node) -> set[int]:
        """Numbers ($n) of parameters the statement accepts null for: tested with `is null`, coalesced,
        compared with `is distinct from`, `is [not] true`, or written into a column that may be null."""
        found: set[int] = set()
        for node in _walk(query):
            if node.type in ("NULLTEST", "DISTINCTEXPR", "BOOLEANTEST"):
                for arg in [node.get("arg"), *node.nodes("args")]:
                    found |= _param_number(arg)
            elif node.type == "COALESCEEXPR":  # a later argument stands in for it (not the last one)
                for arg in node.nodes("args")[:-1]:
                    found |= _param_number(arg)
            elif node.type == "QUERY":
                found |= self._assigned(node)
        return found

    def _assigned(self, query: Node) -> set[int]:
        command = query.int("commandType")
        if command not in (INSERT, UPDATE):
            return set()
        rtable = query.nodes("rtable")
        index = query.int("resultRelation")
        if not 0 < index <= len(rtable) or not isinstance(rtable[index - 1], Node):
            return set()
        relid = rtable[index - 1].int("relid")
        entries = list(query.nodes("targetList"))
        conflict = query.get("onConflict")
        if isinstance(conflict, Node):
            entries += conflict.nodes("onConflictSet")
        found: set[int] = set()
        for entry in entries:
            if not isinstance(entry, Node) or entry.flag("resjunk"):
                continue
            if self.catalog.column_not_null(relid, entry.int("resno")):
                continue
            found |= _param_number(entry.get("expr"))
            value = _strip(entry.get("expr"))
            if isinstance(value, Node) and value.type == "VAR" and value.int("varlevelsup") == 0:
                source = rtable[value.int("varno") - 1] if 0 < value.int("varno") <= len(rtable) else None
                if isinstance(source, Node) and source.int("rtekind") == RTE_VALUES:
                    for row in source.nodes("values_lists"):
                        if isinstance(row, list) and value.int("varattno") <= len(row):
                            found |= _param_number(row[value.int("varattno") - 1])
        return found


def _param_number(expr: Any) -> set[int]:
    value = _strip(expr)
    if isinstance(value, Node) and value.type == "PARAM" and value.int("paramkind") == PARAM_EXTERN:
        return {value.int("paramid")}
    return set()


def _type_of(expr: Any) -> int:
    if not isinstance(expr, Node):
        return 0
    for name in (
        "vartype", "consttype", "funcresulttype", "opresulttype", "resulttype", "paramtype", "coalescetype",
        "array_typeid", "aggtype", "casetype", "minmaxtype",
    ):  # fmt: skip
        if name in expr.fields:
            return expr.int(name)
    return 0


def _walk(value: Any) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
        for child in value.fields.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
