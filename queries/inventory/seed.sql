-- Data for scale tests. The synthetic inventory is deterministic: every value derives from the row
-- number through hashint8extended, so two loads of the same size are identical.

-- name: has_products()$
-- Returns whether there is at least one product or category (read from the primary keys, not a count).
-- not null: has_products
select
    exists (
        select 1
        from inventory.products
    )
    or exists (
        select 1
        from inventory.categories
    ) as has_products;

-- name: truncate_inventory#
-- Empties every inventory table and restarts the identities.
truncate inventory.stock_movements, inventory.products, inventory.categories
restart identity;

-- name: synthetic_categories(category_count)!
-- Inserts categories 1..category_count named "<group> <kind>", numbered past the 1,000 combinations.
insert into inventory.categories (id, name, created_at)
overriding system value
select
    g.i,
    (array[
        'Fasteners', 'Hand Tools', 'Power Tools', 'Plumbing', 'Electrical', 'Lighting', 'Paint', 'Adhesives',
        'Hardware', 'Garden', 'Safety', 'Storage', 'Flooring', 'Heating', 'Ventilation', 'Doors', 'Windows',
        'Kitchen', 'Bathroom', 'Cleaning', 'Automotive', 'Welding', 'Abrasives', 'Measuring', 'Ladders',
        'Lumber', 'Roofing', 'Insulation', 'Masonry', 'Outdoor', 'Pet Supplies', 'Office', 'Packaging',
        'Hydraulics', 'Pneumatics', 'Bearings', 'Seals', 'Springs', 'Chains', 'Cables'
    ])[1 + (g.i - 1) % 40]
    || case when g.i > 40 then ' ' || (array[
        'Basic', 'Pro', 'Industrial', 'Marine', 'Compact', 'Heavy Duty', 'Light Duty', 'Outdoor', 'Indoor',
        'Metric', 'Imperial', 'Stainless', 'Galvanized', 'Coated', 'Precision', 'Budget', 'Premium',
        'Trade', 'Home', 'Workshop', 'Site', 'Eco', 'Classic', 'Modern'
    ])[1 + ((g.i - 41) / 40) % 24] || case when g.i > 1000 then ' ' || g.i::text else '' end else '' end as name,
    timestamptz '2024-01-01 00:00:00+00' + g.i * interval '1 minute' as created_at
from generate_series(1, :category_count::integer) as g (i);

-- name: synthetic_products(first_id, last_id, category_count)!
-- Inserts products first_id..last_id: categories skewed to low ids (1..category_count), names like
-- "Blue Steel Widget 12mm" ("steel" in a third of them, a long tail of series names), SKUs like
-- WID-0000123, about 3% at or below their reorder level, prices skewed to cheap.
insert into inventory.products (
    id, name, sku, quantity, price, reorder_level, category_id, created_at, updated_at
)
overriding system value
select
    r.i as id,
    r.colors[1 + r.h1 % 20] || ' ' || r.materials[1 + r.h2 % 6] || ' ' || r.nouns[1 + r.noun]
    || ' ' || r.sizes[1 + r.h3 % 20]
    || case
        when r.h4 % 10 < 3
            then
                ' ' || initcap(
                    r.syllables[1 + r.rare % 20] || r.syllables[1 + (r.rare / 20) % 20]
                    || r.syllables[1 + (r.rare / 400) % 20]
                )
        else ''
    end as name,
    upper(left(replace(r.nouns[1 + r.noun], ' ', ''), 3)) || '-' || lpad(r.i::text, 7, '0') as sku,
    case
        when r.h5 % 100 < 3 then r.h6 % (r.reorder_level + 1)
        else r.reorder_level + 1 + r.h6 % 500
    end as quantity,
    round((0.5 + 999.5 * power(r.u_price, 3))::numeric, 2) as price,
    r.reorder_level,
    1 + floor(:category_count::integer * power(r.u_category, 2))::bigint as category_id,
    timestamptz '2024-01-01 00:00:00+00' + r.i * interval '20 seconds' as created_at,
    timestamptz '2024-01-01 00:00:00+00' + r.i * interval '20 seconds' as updated_at
from (
    select
        g.i,
        hashint8extended(g.i, 1) & 2147483647 as h1,
        hashint8extended(g.i, 2) & 2147483647 as h2,
        hashint8extended(g.i, 3) & 2147483647 as h3,
        hashint8extended(g.i, 4) & 2147483647 as h4,
        hashint8extended(g.i, 5) & 2147483647 as h5,
        (hashint8extended(g.i, 6) & 2147483647)::integer as h6,
        (5 + (hashint8extended(g.i, 7) & 2147483647) % 46)::integer as reorder_level,
        (hashint8extended(g.i, 8) & 2147483647)::double precision / 2147483648.0 as u_category,
        (hashint8extended(g.i, 9) & 2147483647)::double precision / 2147483648.0 as u_price,
        -- Nouns skewed: the first few are common, the last rare.
        floor(40 * power((hashint8extended(g.i, 10) & 2147483647)::double precision / 2147483648.0, 2))::integer
            as noun,
        -- A long tail of 8,000 made-up series names in 30% of names, skewed like real vocabulary.
        floor(8000 * power((hashint8extended(g.i, 11) & 2147483647)::double precision / 2147483648.0, 3))::integer
            as rare,
        array[
            'Black', 'White', 'Red', 'Blue', 'Green', 'Yellow', 'Orange', 'Grey', 'Silver', 'Gold',
            'Brown', 'Clear', 'Navy', 'Olive', 'Teal', 'Ivory', 'Charcoal', 'Matte', 'Gloss', 'Natural'
        ] as colors,
        array['Steel', 'Brass', 'Steel', 'Nylon', 'Oak', 'Aluminium'] as materials,
        array[
            'Widget', 'Bracket', 'Hinge', 'Bolt', 'Screw', 'Washer', 'Clamp', 'Hook', 'Valve', 'Pipe',
            'Fitting', 'Cable', 'Switch', 'Socket', 'Hammer', 'Wrench', 'Chisel', 'Drill Bit', 'Saw Blade', 'Brush',
            'Roller', 'Tape', 'Glue', 'Nail', 'Rivet', 'Spring', 'Gear', 'Pulley', 'Chain', 'Rope',
            'Handle', 'Knob', 'Latch', 'Padlock', 'Shelf', 'Caster', 'Gasket', 'Fuse', 'Bulb', 'Filter'
        ] as nouns,
        array[
            '6mm', '8mm', '10mm', '12mm', '16mm', '20mm', '25mm', '1/4in', '3/8in', '1/2in',
            '3/4in', '1in', 'Small', 'Medium', 'Large', 'XL', 'Pack of 10', 'Pack of 50', '250ml', '1L'
        ] as sizes,
        array[
            'ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'zel', 'dun', 'fi', 'gor',
            'hal', 'ix', 'jo', 'ku', 'nar', 'pe', 'quo', 'sa', 'tri', 'ul'
        ] as syllables
    from generate_series(:first_id::bigint, :last_id::bigint) as g (i)
) as r;

-- name: synthetic_movements(first_id, last_id)!
-- Inserts the ledger of products first_id..last_id, summing to each quantity: an initial movement,
-- and for one product in ten with stock a sale and then a restock. Movement ids are 3 x product - 2..0.
insert into inventory.stock_movements (id, product_id, delta, reason, quantity_after, created_at)
overriding system value
select
    3 * h.id - 3 + m.n as id,
    h.id as product_id,
    m.delta,
    m.reason,
    case m.n
        when 1 then m.delta
        when 2 then h.quantity - h.restocked
        else h.quantity
    end as quantity_after,
    h.created_at + (m.n - 1) * interval '3 days' as created_at
from (
    select
        p.id,
        p.quantity,
        p.created_at,
        p.quantity > 0 and hashint8extended(p.id, 20) % 10 = 0 as has_history,
        1 + (hashint8extended(p.id, 21) & 2147483647) % greatest(p.quantity, 1) as restocked,
        (1 + (hashint8extended(p.id, 22) & 2147483647) % 20)::integer as sold
    from inventory.products as p
    where p.id between :first_id and :last_id
) as h
cross join
    lateral (
        values
        (1, case when h.has_history then h.quantity - h.restocked + h.sold else h.quantity end, 'initial'),
        (2, -h.sold, 'sale'),
        (3, h.restocked, 'restock')
    ) as m (n, delta, reason)
where m.n = 1 or h.has_history
order by h.id, m.n;

-- name: reset_identities#
-- Moves each identity past the highest id, after rows were inserted with explicit ids.
select setval(pg_get_serial_sequence('inventory.categories', 'id'), greatest(max(id), 1)) as categories
from inventory.categories;
select setval(pg_get_serial_sequence('inventory.products', 'id'), greatest(max(id), 1)) as products
from inventory.products;
select setval(pg_get_serial_sequence('inventory.stock_movements', 'id'), greatest(max(id), 1)) as movements
from inventory.stock_movements;

-- name: analyze_inventory#
-- Refreshes planner statistics and the visibility map after a bulk load.
vacuum (analyze) inventory.categories, inventory.products, inventory.stock_movements;
