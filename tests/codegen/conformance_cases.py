"""The conformance suite's table: per SQL construct, queries over tests/codegen/conformance/schema/ (data with
NULLs), the Python types `catalog codegen` must give each result column (and parameter), and the columns
the data makes NULL in some row, so that a test proves the generated type admits it."""

from dataclasses import dataclass, field

INET = "IPv4Interface | IPv6Interface | IPv4Address | IPv6Address"
MOOD = "Literal['happy', 'sad']"
VALUE = "return"  # the key of a `$` query's one value in `types`


@dataclass(frozen=True)
class Case:
    construct: str
    name: str
    sql: str
    types: dict[str, str]  # result column (in order) -> annotation; VALUE for a `$` query
    nulls: frozenset[str] = frozenset()  # columns NULL in some row of the result: their type must admit None
    suffix: str = ""  # aiosql's: "" rows, "^" one row, "$" one value, "<!" insert returning, "!" no rows
    params: dict[str, str] = field(default_factory=dict)  # parameter -> annotation, for queries that take some
    args: dict[str, object] = field(default_factory=dict)
    header: str = ""  # `-- not null:` / `-- nullable:` lines
    min_version: int = 150000  # server_version_num the construct needs
    lie: bool = False  # one of issue #15's confirmed kinds of a column typed non-null that PostgreSQL returned NULL in


def _nulls(*names: str) -> frozenset[str]:
    return frozenset(names)


CASES: list[Case] = [
    # --- joins ------------------------------------------------------------------------------------------------
    Case(
        "joins",
        "inner_join",
        """
select a.name, b.title, b.price
from conf.authors as a
inner join conf.books as b on a.id = b.author_id""",
        {"name": "str", "title": "str", "price": "Decimal | None"},
        _nulls("price"),
    ),
    Case(
        "joins",
        "left_join",
        """
select a.name, b.title
from conf.authors as a
left join conf.books as b on a.id = b.author_id""",
        {"name": "str", "title": "str | None"},
        _nulls("title"),
    ),
    Case(
        "joins",
        "right_join",
        """
select a.name, b.title
from conf.authors as a
right join conf.books as b on a.id = b.author_id""",
        {"name": "str | None", "title": "str"},
        _nulls("name"),
    ),
    Case(
        "joins",
        "full_join",
        """
select a.name, b.title
from conf.authors as a
full join conf.books as b on a.id = b.author_id""",
        {"name": "str | None", "title": "str | None"},
        _nulls("name", "title"),
    ),
    Case(
        "joins",
        "cross_join",
        """
select a.name, h.address
from conf.authors as a
cross join conf.hosts as h""",
        {"name": "str", "address": INET},
    ),
    Case(
        "joins",
        "anti_join",
        """
select a.name, b.id as book_id, b.title
from conf.authors as a
left join conf.books as b on a.id = b.author_id
where b.id is null""",
        {"name": "str", "book_id": "int | None", "title": "str | None"},
        _nulls("book_id", "title"),
        lie=True,
    ),
    Case(
        "joins",
        "semi_join",
        """
select a.name
from conf.authors as a
where exists (select from conf.books as b where b.author_id = a.id)""",
        {"name": "str"},
    ),
    Case(
        "joins",
        "nested_join_on_nullable_side",
        """
select a.name, b.title, h.address
from conf.authors as a
left join (conf.books as b inner join conf.hosts as h on b.pages = h.id) on a.id = b.author_id""",
        {"name": "str", "title": "str | None", "address": f"{INET} | None"},
        _nulls("title", "address"),
    ),
    Case(
        "joins",
        "left_join_using",
        """
select id, d.bark, a.name as parent_name
from conf.dogs as d
left join only conf.animals as a using (id)""",
        {"id": "int", "bark": "str | None", "parent_name": "str | None"},
        _nulls("bark", "parent_name"),
    ),
    # --- partitions -------------------------------------------------------------------------------------------
    Case(
        "partitions",
        "partitioned_on_nullable_side",
        """
select a.name, e.happened, e.what
from conf.authors as a
left join conf.events as e on a.id = e.id""",
        {"name": "str", "happened": "date | None", "what": "str | None"},
        _nulls("happened", "what"),
        lie=True,
    ),
    Case(
        "partitions",
        "partitioned_scan",
        """
select e.id, e.happened, e.what
from conf.events as e""",
        {"id": "int", "happened": "date", "what": "str | None"},
        _nulls("what"),
    ),
    # --- subqueries and lateral -------------------------------------------------------------------------------
    Case(
        "subqueries",
        "literal_from_nullable_side",
        """
select a.name, s.flag
from conf.authors as a
left join (select b.author_id, 1 as flag from conf.books as b) as s on a.id = s.author_id""",
        {"name": "str", "flag": "int | None"},
        _nulls("flag"),
        lie=True,
    ),
    Case(
        "subqueries",
        "lateral_count_on_nullable_side",
        """
select a.name, c.n
from conf.authors as a
left join lateral (select count(*) as n from conf.books as b where b.author_id = a.id) as c on c.n > 0""",
        {"name": "str", "n": "int | None"},
        _nulls("n"),
        lie=True,
    ),
    Case(
        "subqueries",
        "lateral_count_cross",
        """
select a.name, c.n
from conf.authors as a
cross join lateral (select count(*) as n from conf.books as b where b.author_id = a.id) as c""",
        {"name": "str", "n": "int"},
    ),
    Case(
        "subqueries",
        "scalar_subquery_having",
        """
select a.name, (select count(*) from conf.books as b where b.author_id = a.id having count(*) > 1) as many
from conf.authors as a""",
        {"name": "str", "many": "int | None"},
        _nulls("many"),
        lie=True,
    ),
    Case(
        "subqueries",
        "scalar_subquery_count",
        """
select a.name, (select count(*) from conf.books as b where b.author_id = a.id) as n
from conf.authors as a""",
        {"name": "str", "n": "int"},
    ),
    Case(
        "subqueries",
        "scalar_subquery_row",
        """
select a.name, (select b.title from conf.books as b where b.author_id = a.id order by b.id limit 1) as first_title
from conf.authors as a""",
        {"name": "str", "first_title": "str | None"},
        _nulls("first_title"),
    ),
    Case(
        "subqueries",
        "in_subquery_with_nulls",
        """
select a.name, a.id in (select b.author_id from conf.books as b) as has_book
from conf.authors as a""",
        {"name": "str", "has_book": "bool | None"},
        _nulls("has_book"),
    ),
    Case(
        "subqueries",
        "in_subquery_not_null",
        """
select a.name, a.id in (select b.id from conf.books as b) as shares_id
from conf.authors as a""",
        {"name": "str", "shares_id": "bool"},
    ),
    Case(
        "subqueries",
        "derived_table",
        """
select s.title, s.price
from (select b.title, b.price from conf.books as b) as s""",
        {"title": "str", "price": "Decimal | None"},
        _nulls("price"),
    ),
    # --- expressions ------------------------------------------------------------------------------------------
    Case(
        "expressions",
        "sum_of_aggregates",
        """
select b.author_id, count(*) + max(b.pages) as score
from conf.books as b
group by b.author_id""",
        {"author_id": "int | None", "score": "int | None"},
        _nulls("author_id", "score"),
        lie=True,
    ),
    Case(
        "expressions",
        "window_plus_column",
        """
select b.title, row_number() over (order by b.id) + b.pages as position
from conf.books as b""",
        {"title": "str", "position": "int | None"},
        _nulls("position"),
        lie=True,
    ),
    Case(
        "expressions",
        "coalesce_then_concat",
        """
select a.name, coalesce(a.nickname, a.name) || a.tagline as label
from conf.authors as a""",
        {"name": "str", "label": "str | None"},
        _nulls("label"),
        lie=True,
    ),
    Case(
        "expressions",
        "coalesce_literal",
        """
select coalesce(a.nickname, 'none') as nickname, coalesce(a.nickname, a.name) as called
from conf.authors as a""",
        {"nickname": "str", "called": "str"},
    ),
    Case(
        "expressions",
        "case_with_else",
        """
select case when a.rating > 2 then 'high' else 'low' end as band
from conf.authors as a""",
        {"band": "str"},
    ),
    Case(
        "expressions",
        "case_without_else",
        """
select case when a.rating > 2 then 'high' end as band
from conf.authors as a""",
        {"band": "str | None"},
        _nulls("band"),
    ),
    Case(
        "expressions",
        "casts",
        """
select a.id::text as id_text, a.rating::bigint as rating, b.price::text as price_text
from conf.authors as a
inner join conf.books as b on a.id = b.author_id""",
        {"id_text": "str", "rating": "int", "price_text": "str | None"},
        _nulls("price_text"),
    ),
    Case(
        "expressions",
        "literals",
        """
select 1 as one, 'x' as letter, true as yes, null::text as nothing, 2.5 as half""",
        {"one": "int", "letter": "str", "yes": "bool", "nothing": "str | None", "half": "Decimal"},
        _nulls("nothing"),
    ),
    Case(
        "expressions",
        "nullif",
        """
select nullif(a.name, 'Bob') as not_bob
from conf.authors as a""",
        {"not_bob": "str | None"},
        _nulls("not_bob"),
    ),
    Case(
        "expressions",
        "greatest",
        """
select greatest(b.pages, 0) as pages, least(b.price, 1) as cheap
from conf.books as b""",
        {"pages": "int", "cheap": "Decimal"},
    ),
    Case(
        "expressions",
        "operators",
        """
select b.id * 2 + 1 as odd, b.title || '!' as loud, b.pages > 10 as long
from conf.books as b""",
        {"odd": "int", "loud": "str", "long": "bool | None"},
        _nulls("long"),
    ),
    Case(
        "expressions",
        "numeric_builtins",
        """
select abs(b.price) as price, round(b.price) as rounded, length(b.title) as title_length, sqrt(b.id) as root
from conf.books as b""",
        {"price": "Decimal | None", "rounded": "Decimal | None", "title_length": "int", "root": "float"},
        _nulls("price", "rounded"),
    ),
    Case(
        "expressions",
        "null_tests",
        """
select b.price is null as free, b.price is distinct from 0 as priced
from conf.books as b""",
        {"free": "bool", "priced": "bool"},
    ),
    Case(
        "expressions",
        "string_functions",
        """
select lower(a.name) as lower_name, upper(a.email) as upper_email, concat(a.name, a.nickname) as joined
from conf.authors as a""",
        {"lower_name": "str", "upper_email": "str | None", "joined": "str"},
        _nulls("upper_email"),
    ),
    Case(
        "expressions",
        "current_values",
        """
select now() as at, current_date as today, current_user as who""",
        {"at": "datetime", "today": "date", "who": "str"},
    ),
    Case(
        "expressions",
        "range_bounds",
        """
select lower(h.slots) as first_slot, upper(h.bookings) as booked_until
from conf.hosts as h""",
        {"first_slot": "int | None", "booked_until": "datetime | None"},
        _nulls("booked_until"),
    ),
    # --- aggregates -------------------------------------------------------------------------------------------
    Case(
        "aggregates",
        "plain_aggregates_over_no_rows",
        """
select count(*) as n, count(b.price) as priced, max(b.price) as top, sum(b.pages) as pages
from conf.books as b
where b.id < 0""",
        {"n": "int", "priced": "int", "top": "Decimal | None", "pages": "int | None"},
        _nulls("top", "pages"),
    ),
    Case(
        "aggregates",
        "grouped_aggregates",
        """
select b.author_id, max(b.title) as last_title, array_agg(b.id) as ids, sum(b.pages) as pages,
    array_agg(b.pages) as page_list
from conf.books as b
group by b.author_id""",
        {
            "author_id": "int | None",
            "last_title": "str",
            "ids": "list[int]",
            "pages": "int | None",
            "page_list": "list[int | None]",
        },
        _nulls("author_id", "pages"),
    ),
    Case(
        "aggregates",
        "aggregate_filter",
        """
select a.mood, max(a.name) filter (where a.rating > 4) as star
from conf.authors as a
group by a.mood""",
        {"mood": MOOD, "star": "str | None"},
        _nulls("star"),
    ),
    Case(
        "aggregates",
        "having",
        """
select b.author_id, count(*) as n
from conf.books as b
group by b.author_id
having count(*) > 1""",
        {"author_id": "int | None", "n": "int"},
    ),
    Case(
        "aggregates",
        "count_value",
        """
select count(*) from conf.books""",
        {VALUE: "int"},
        suffix="$",
    ),
    Case(
        "aggregates",
        "max_value_over_no_rows",
        """
select max(b.price) from conf.books as b where b.id < 0""",
        {VALUE: "Decimal | None"},
        _nulls(VALUE),
        suffix="$",
    ),
    Case(
        "aggregates",
        "value_of_no_row",
        """
select a.name from conf.authors as a where a.id = :author_id""",
        {VALUE: "str | None"},
        _nulls(VALUE),
        suffix="$",
        params={"author_id": "int"},
        args={"author_id": 99},
    ),
    # --- grouping sets ----------------------------------------------------------------------------------------
    Case(
        "grouping_sets",
        "rollup",
        """
select a.mood, count(*) as n
from conf.authors as a
group by rollup (a.mood)""",
        {"mood": f"{MOOD} | None", "n": "int"},
        _nulls("mood"),
        lie=True,
    ),
    Case(
        "grouping_sets",
        "grouping_sets",
        """
select a.mood, a.name, count(*) as n, grouping(a.mood, a.name) as level
from conf.authors as a
group by grouping sets ((a.mood), (a.name))""",
        {"mood": f"{MOOD} | None", "name": "str | None", "n": "int", "level": "int"},
        _nulls("mood", "name"),
        lie=True,
    ),
    Case(
        "grouping_sets",
        "cube_coalesced",
        """
select coalesce(a.name, 'all') as name, count(*) as n
from conf.authors as a
group by cube (a.name)""",
        {"name": "str", "n": "int"},
    ),
    # --- window functions -------------------------------------------------------------------------------------
    Case(
        "window_functions",
        "ranking",
        """
select b.title, row_number() over w as position, rank() over w as rank, dense_rank() over w as dense,
    count(*) over w as running
from conf.books as b
window w as (order by b.title)""",
        {"title": "str", "position": "int", "rank": "int", "dense": "int", "running": "int"},
    ),
    Case(
        "window_functions",
        "lag",
        """
select b.title, lag(b.title) over (order by b.id) as previous
from conf.books as b""",
        {"title": "str", "previous": "str | None"},
        _nulls("previous"),
    ),
    Case(
        "window_functions",
        "window_sum",
        """
select b.title, sum(b.pages) over (partition by b.author_id) as author_pages
from conf.books as b""",
        {"title": "str", "author_pages": "int | None"},
        _nulls("author_pages"),
    ),
    # --- set operations ---------------------------------------------------------------------------------------
    Case(
        "set_operations",
        "union_all",
        """
select a.name from conf.authors as a
union all
select b.title from conf.books as b""",
        {"name": "str"},
    ),
    Case(
        "set_operations",
        "union_with_nullable_branch",
        """
select a.name from conf.authors as a
union
select a.nickname from conf.authors as a""",
        {"name": "str | None"},
        _nulls("name"),
    ),
    Case(
        "set_operations",
        "intersect_rows",
        """
select a.id from conf.authors as a
intersect
select b.author_id from conf.books as b""",
        {"id": "int"},
    ),
    Case(
        "set_operations",
        "except_rows",
        """
select a.id from conf.authors as a
except
select b.author_id from conf.books as b""",
        {"id": "int"},
    ),
    Case(
        "set_operations",
        "union_of_null_literal",
        """
select 1 as n
union all
select null""",
        {"n": "int | None"},
        _nulls("n"),
    ),
    # --- CTEs -------------------------------------------------------------------------------------------------
    Case(
        "ctes",
        "cte",
        """
with priced as (select b.title, b.price from conf.books as b)
select p.title, p.price from priced as p""",
        {"title": "str", "price": "Decimal | None"},
        _nulls("price"),
    ),
    Case(
        "ctes",
        "recursive_cte",
        """
with recursive n (i, label) as (
    select 1, 'one'::text
    union all
    select n.i + 1, n.label || '+' from n where n.i < 3
)
select n.i, n.label from n""",
        {"i": "int", "label": "str"},
    ),
    Case(
        "ctes",
        "recursive_cte_null_in_step",
        """
with recursive n (i, word) as (
    select 1, 'a'::text
    union all
    select n.i + 1, nullif(n.word, 'a') from n where n.i < 3
)
select n.i, n.word from n""",
        {"i": "int", "word": "str | None"},
        _nulls("word"),
    ),
    Case(
        "ctes",
        "cte_on_nullable_side",
        """
with b as (select x.author_id, x.title from conf.books as x)
select a.name, b.title
from conf.authors as a
left join b on a.id = b.author_id""",
        {"name": "str", "title": "str | None"},
        _nulls("title"),
    ),
    Case(
        "ctes",
        "data_modifying_cte",
        """
with added as (insert into conf.audit (note) values (null) returning id, note)
select added.id, added.note from added""",
        {"id": "int", "note": "str | None"},
        _nulls("note"),
    ),
    # --- returning, on conflict, parameters -------------------------------------------------------------------
    Case(
        "returning",
        "insert_returning",
        """
insert into conf.audit (note) values (:note)
returning id, note, kind""",
        {"id": "int", "note": "str | None", "kind": "str"},
        _nulls("note"),
        suffix="<!",
        params={"note": "str | None"},
        args={"note": None},
    ),
    Case(
        "returning",
        "update_returning",
        """
update conf.authors set nickname = :nickname
where id = :author_id
returning id, name, nickname""",
        {"id": "int", "name": "str", "nickname": "str | None"},
        _nulls("nickname"),
        params={"nickname": "str | None", "author_id": "int"},
        args={"nickname": None, "author_id": 1},
    ),
    Case(
        "returning",
        "update_from_returning_in_order",
        """
update conf.books as b set price = b.price
from conf.authors as a
where a.id = b.author_id and a.name = 'Bob'
returning b.*, a.name as author_name""",
        {
            "id": "int",
            "author_id": "int | None",
            "title": "str",
            "price": "Decimal | None",
            "pages": "int | None",
            "tags": "list[str | None]",
            "notes": "list[str | None] | None",
            "data": "JsonValue | None",
            "published": "date | None",
            "author_name": "str",
        },
    ),
    Case(
        "returning",
        "delete_returning",
        """
delete from conf.dogs where id = 3
returning id, bark""",
        {"id": "int", "bark": "str | None"},
        _nulls("bark"),
    ),
    Case(
        "returning",
        "on_conflict_update",
        """
insert into conf.animals (id, name) values (:animal_id, :name)
on conflict (id) do update set name = excluded.name
returning id, name""",
        {"id": "int", "name": "str"},
        suffix="<!",
        params={"animal_id": "int", "name": "str"},
        args={"animal_id": 1, "name": "lynx"},
    ),
    Case(
        "returning",
        "on_conflict_nothing_value",
        """
insert into conf.animals (id, name) values (1, 'dup')
on conflict do nothing
returning id""",
        {VALUE: "int | None"},
        _nulls(VALUE),
        suffix="$",
    ),
    Case(
        "returning",
        "insert_value",
        """
insert into conf.animals (id, name) values (7, 'owl')
returning id""",
        {VALUE: "int"},
        suffix="$",
    ),
    Case(
        "returning",
        "insert_value_a_trigger_can_skip",
        """
insert into conf.audit (note) values (:note)
returning id""",
        {VALUE: "int | None"},
        _nulls(VALUE),
        suffix="$",
        params={"note": "str | None"},
        args={"note": "skip"},
        lie=True,
    ),
    Case(
        "returning",
        "insert_returning_old_new",
        """
insert into conf.audit (note) values ('new')
returning old.id as old_id, new.id as new_id""",
        {"old_id": "int | None", "new_id": "int"},
        _nulls("old_id"),
        min_version=180000,
        lie=True,
    ),
    Case(
        "returning",
        "delete_returning_old_new",
        """
delete from conf.dogs where id = 2
returning old.name as old_name, new.name as new_name""",
        {"old_name": "str", "new_name": "str | None"},
        _nulls("new_name"),
        min_version=180000,
        lie=True,
    ),
    Case(
        "returning",
        "update_returning_old_new",
        """
update conf.dogs set bark = 'yap' where id = 3
returning old.bark as old_bark, new.bark as new_bark, old.name as old_name""",
        {"old_bark": "str | None", "new_bark": "str | None", "old_name": "str"},
        _nulls("old_bark"),
        min_version=180000,
    ),
    Case(
        "returning",
        "upsert_returning_old",
        """
insert into conf.animals (id, name) values (1, 'lynx'), (9, 'owl')
on conflict (id) do update set name = excluded.name
returning old.name as old_name, new.name as new_name""",
        {"old_name": "str | None", "new_name": "str"},
        _nulls("old_name"),
        min_version=180000,
        lie=True,
    ),
    Case(
        "returning",
        "insert_nullable_columns",
        """
insert into conf.books (title, price, pages) values (:title, :price, :pages)""",
        {},
        suffix="!",
        params={"title": "str", "price": "Decimal | float | None", "pages": "int | None"},
        args={"title": "T", "price": None, "pages": None},
    ),
    Case(
        "returning",
        "insert_rows_nullable_columns",
        """
insert into conf.audit (note, kind) values (:first_note, 'a'), (:second_note, 'b')""",
        {},
        suffix="!",
        params={"first_note": "str | None", "second_note": "str | None"},
        args={"first_note": None, "second_note": None},
    ),
    Case(
        "returning",
        "update_nullable_column",
        """
update conf.books set published = :published
where title = :title""",
        {},
        suffix="!",
        params={"published": "date | None", "title": "str"},
        args={"published": None, "title": "A1"},
    ),
    Case(
        "returning",
        "parameter_tested_for_null",
        """
select a.name
from conf.authors as a
where :name_prefix::text is null or a.name like :name_prefix || '%'""",
        {"name": "str"},
        params={"name_prefix": "str | None"},
        args={"name_prefix": None},
    ),
    # --- views ------------------------------------------------------------------------------------------------
    Case(
        "views",
        "view",
        """
select n.id, n.name, n.nickname, n.shout
from conf.author_names as n""",
        {"id": "int", "name": "str", "nickname": "str | None", "shout": "str"},
        _nulls("nickname"),
    ),
    Case(
        "views",
        "view_over_outer_join",
        """
select t.name, t.title
from conf.author_titles as t""",
        {"name": "str", "title": "str | None"},
        _nulls("title"),
    ),
    Case(
        "views",
        "view_on_nullable_side",
        """
select b.title, n.shout
from conf.books as b
left join conf.author_names as n on b.author_id = n.id""",
        {"title": "str", "shout": "str | None"},
        _nulls("shout"),
    ),
    Case(
        "views",
        "materialized_view",
        """
select c.id, c.name, c.books, c.top_price
from conf.author_counts as c""",
        {"id": "int", "name": "str", "books": "int", "top_price": "Decimal | None"},
        _nulls("top_price"),
    ),
    # --- inheritance ------------------------------------------------------------------------------------------
    Case(
        "inheritance",
        "parent_with_children",
        """
select a.id, a.name
from conf.animals as a""",
        {"id": "int", "name": "str"},
    ),
    Case(
        "inheritance",
        "child",
        """
select d.id, d.name, d.bark
from conf.dogs as d""",
        {"id": "int", "name": "str", "bark": "str | None"},
        _nulls("bark"),
    ),
    # --- domains and enums ------------------------------------------------------------------------------------
    Case(
        "domains_enums",
        "domains",
        """
select a.rating, a.tagline, a.mood
from conf.authors as a""",
        {"rating": "int", "tagline": "str | None", "mood": MOOD},
        _nulls("tagline"),
    ),
    Case(
        "domains_enums",
        "enum_parameter",
        """
select a.name
from conf.authors as a
where a.mood = :mood""",
        {"name": "str"},
        params={"mood": MOOD},
        args={"mood": "sad"},
    ),
    Case(
        "domains_enums",
        "serial_column",
        """
select a.id
from conf.authors as a""",
        {"id": "int"},
    ),
    # --- types ------------------------------------------------------------------------------------------------
    Case(
        "types",
        "network",
        """
select h.address, h.network
from conf.hosts as h""",
        {"address": INET, "network": "IPv4Network | IPv6Network | None"},
        _nulls("network"),
    ),
    Case(
        "types",
        "interval_uuid",
        """
select h.uptime, h.token
from conf.hosts as h""",
        {"uptime": "timedelta | None", "token": "UUID"},
        _nulls("uptime"),
    ),
    Case(
        "types",
        "ranges",
        """
select h.slots, h.bookings, int4range(1, 3) as made, h.slots::int4multirange as slot_set
from conf.hosts as h""",
        {"slots": "Range", "bookings": "Range | None", "made": "Range", "slot_set": "list[Range]"},
        _nulls("bookings"),
    ),
    Case(
        "types",
        "composite",
        """
select h.pair, (h.pair).a as pair_a
from conf.hosts as h""",
        {"pair": "Record | None", "pair_a": "int | None"},
        _nulls("pair", "pair_a"),
    ),
    Case(
        "types",
        "bit_string",
        """
select h.flags
from conf.hosts as h""",
        {"flags": "BitString | None"},
        _nulls("flags"),
    ),
    Case(
        "types",
        "citext",
        """
select a.email, a.email::text as email_text
from conf.authors as a""",
        {"email": "str | None", "email_text": "str | None"},
        _nulls("email", "email_text"),
    ),
    Case(
        "types",
        "arrays",
        """
select b.tags, array_length(b.tags, 1) as tag_count, cardinality(b.tags) as tag_total
from conf.books as b""",
        {"tags": "list[str | None]", "tag_count": "int | None", "tag_total": "int"},
        _nulls("tag_count"),
    ),
    Case(
        "types",
        "array_with_null_elements",
        """
select b.title, b.notes
from conf.books as b""",
        {"title": "str", "notes": "list[str | None] | None"},
        _nulls("notes"),
    ),
    Case(
        "types",
        "array_constructors",
        """
select array[b.title] as titles, array(select a.name from conf.authors as a) as names,
    string_to_array(b.title, '') as letters, array[b.price] as prices, array_append(array[b.id], 0) as ids
from conf.books as b""",
        {
            "titles": "list[str]",
            "names": "list[str]",
            "letters": "list[str]",
            "prices": "list[Decimal | None]",
            "ids": "list[int]",
        },
    ),
    Case(
        "types",
        "non_strict_array_functions",
        """
select string_to_array(b.title, '1', 'A') as parts, array_to_string(b.tags, ',', '*') as joined,
    array_cat(b.tags, b.tags) as doubled, array_fill(b.id, array[2]) as filled, array_remove(b.tags, 'a') as kept,
    array_replace(b.tags, 'a', 'z') as replaced, regexp_split_to_array(b.title, '1') as pieces
from conf.books as b""",
        {
            "parts": "list[str | None]",
            "joined": "str",
            "doubled": "list[str | None]",
            "filled": "list[int | None]",
            "kept": "list[str | None]",
            "replaced": "list[str | None]",
            "pieces": "list[str]",
        },
    ),
    Case(
        "types",
        "array_elements_vouched_by_header",
        """
select coalesce(b.notes, '{}') as notes
from conf.books as b
where b.title = 'B1'""",
        {"notes": "list[str]"},
        header="-- not null: notes",
    ),
    Case(
        "types",
        "array_of_inet",
        """
select h.addresses
from conf.hosts as h""",
        {"addresses": f"list[{INET} | None]"},
    ),
    Case(
        "types",
        "unnest_elements",
        """
select t.tag
from unnest(array['a', null]::text []) as t (tag)""",
        {"tag": "str | None"},
        _nulls("tag"),
    ),
    Case(
        "types",
        "unnest_with_ordinality",
        """
select t.tag, t.n
from unnest(array['a', 'b']) with ordinality as t (tag, n)""",
        {"tag": "str | None", "n": "int"},
    ),
    Case(
        "types",
        "generate_series_timestamps",
        """
select s.at
from generate_series('2024-01-01'::timestamptz, '2024-01-03'::timestamptz, '1 day'::interval) as s (at)""",
        {"at": "datetime"},
    ),
    # --- json -------------------------------------------------------------------------------------------------
    Case(
        "json",
        "json_operators",
        """
select b.data -> 'k' as k, b.data ->> 'k' as k_text, coalesce(b.data, '{}') ? 'k' as has_k,
    jsonb_extract_path(b.data, 'k') as k_path, b.data #>> '{list,0}' as first
from conf.books as b""",
        {
            "k": "JsonValue | None",
            "k_text": "str | None",
            "has_k": "bool",
            "k_path": "JsonValue | None",
            "first": "str | None",
        },
        _nulls("k", "k_text", "k_path", "first"),
    ),
    Case(
        "json",
        "json_built",
        """
select jsonb_build_object('title', b.title, 'price', b.price) as doc, to_jsonb(b.title) as title_json
from conf.books as b""",
        {"doc": "JsonValue", "title_json": "JsonValue"},
    ),
    # --- header overrides -------------------------------------------------------------------------------------
    Case(
        "overrides",
        "not_null_header",
        """
select max(a.name) as top_name, max(a.nickname) as top_nickname
from conf.authors as a""",
        {"top_name": "str", "top_nickname": "str | None"},
        header="-- not null: top_name",
    ),
    Case(
        "overrides",
        "nullable_header",
        """
select a.name
from conf.authors as a
where a.id = greatest(:author_id, 1)""",
        {"name": "str"},
        params={"author_id": "int | None"},
        args={"author_id": None},
        header="-- nullable: author_id",
    ),
]
"""Every case, in the order the generated module lists them."""
