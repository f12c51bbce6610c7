-- The conformance suite's schema and data (tests/codegen/test_conformance.py): every kind of relation
-- and type the code generator maps, with NULLs wherever a column or a join allows them.
create extension if not exists citext;

create schema conf;

create type conf.mood as enum ('happy', 'sad');

create type conf.pair as (a integer, b text);

create domain conf.positive as integer not null check (value > 0);

create domain conf.label as text;

create table conf.authors (
    id serial primary key,
    name text not null,
    nickname text,
    email citext,
    mood conf.mood not null default 'happy',
    rating conf.positive,
    tagline conf.label
);

create table conf.books (
    id bigint generated always as identity primary key,
    author_id integer references conf.authors (id),
    title text not null,
    price numeric(8, 2),
    pages integer,
    tags text [] not null default '{}',
    notes text [],
    data jsonb,
    published date
);

create table conf.hosts (
    id integer primary key,
    address inet not null,
    network cidr,
    uptime interval,
    token uuid not null default gen_random_uuid(),
    bookings tstzrange,
    slots int4range not null,
    pair conf.pair,
    flags bit (3),
    addresses inet [] not null default '{}'
);

create table conf.events (
    id integer not null,
    happened date not null,
    what text
) partition by range (happened);

create table conf.events_2024 partition of conf.events for values from ('2024-01-01') to ('2025-01-01');

create table conf.events_2025 partition of conf.events for values from ('2025-01-01') to ('2026-01-01');

create table conf.animals (
    id integer primary key,
    name text not null
);

create table conf.dogs (bark text) inherits (conf.animals);

create table conf.audit (
    id serial primary key,
    note text,
    kind text not null default 'plain'
);

create function conf.skip_marked() returns trigger
language plpgsql as $$
begin
    if new.note = 'skip' then
        return null;
    end if;
    return new;
end;
$$;

create trigger audit_skip_marked before insert on conf.audit
for each row execute function conf.skip_marked();

create view conf.author_names as
select
    a.id,
    a.name,
    a.nickname,
    upper(a.name) as shout
from conf.authors as a;

create view conf.author_titles as
select
    n.name,
    b.title
from conf.author_names as n
left join conf.books as b on n.id = b.author_id;

insert into conf.authors (name, nickname, email, mood, rating, tagline) values
('Ann', 'annie', 'Ann@Example.org', 'happy', 5, 'tells tales'),
('Bob', null, null, 'sad', 3, null),
('Cy', null, 'cy@example.org', 'happy', 1, null);

insert into conf.books (author_id, title, price, pages, tags, notes, data, published) values
(1, 'A1', 10.00, 100, '{a,b}', '{x,NULL}', '{"k": 1, "n": null, "list": [1, 2]}', '2024-01-01'),
(1, 'A2', null, null, '{}', null, null, null),
(2, 'B1', 5.50, 50, '{c,NULL}', '{y}', '{"k": 2}', '2023-05-05'),
(null, 'Orphan', null, null, '{}', null, '[1, 2]', null);

insert into conf.hosts (id, address, network, uptime, bookings, slots, pair, flags, addresses) values
(1, '10.0.0.1', '10.0.0.0/24', '1 day 02:00', '[2024-01-01,2024-02-01)', '[1,5)', row(1, 'x'), B'101', '{10.0.0.1,10.0.0.0/24}'),
(2, '2001:db8::1/64', null, null, null, '[2,3)', null, null, '{}');

insert into conf.events (id, happened, what) values (1, '2024-03-01', 'launch'), (2, '2025-03-01', null);

insert into conf.animals (id, name) values (1, 'cat');

insert into conf.dogs (id, name, bark) values (2, 'rex', 'woof'), (3, 'fido', null);

create materialized view conf.author_counts as
select
    a.id,
    a.name,
    count(b.id) as books,
    max(b.price) as top_price
from conf.authors as a
left join conf.books as b on a.id = b.author_id
group by a.id, a.name;
