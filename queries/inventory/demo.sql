-- The demo inventory loaded by `catalog seed --demo` (and by scripts/serve into an empty database).

-- name: demo_inventory#
-- Inserts 5 categories and 15 products with their stock ledgers (initial stock, then a few sales and
-- restocks); two products end at or below their reorder level.

insert into inventory.categories (name)
values
('Hand Tools'),
('Fasteners'),
('Electrical'),
('Paint & Finishes'),
('Plumbing');

insert into inventory.products (name, sku, quantity, price, reorder_level, category_id)
select
    v.name,
    v.sku,
    v.quantity,
    v.price,
    v.reorder_level,
    c.id as category_id
from (
    values
    ('Claw Hammer 16oz', 'HT-HAM-16', 24, 18.99, 5, 'Hand Tools'),
    ('Adjustable Wrench 10in', 'HT-WRN-10', 15, 14.50, 4, 'Hand Tools'),
    ('Phillips Screwdriver PH2', 'HT-SCD-PH2', 40, 6.25, 10, 'Hand Tools'),
    ('Wood Chisel Set 4pc', 'HT-CHS-4', 8, 32.00, 3, 'Hand Tools'),
    ('Steel Wood Screws 4x40mm (200)', 'FS-WS-440', 120, 7.49, 30, 'Fasteners'),
    ('Hex Bolts M8x50 (25)', 'FS-HB-M850', 60, 9.95, 15, 'Fasteners'),
    ('Blue Widget 12mm', 'FS-WID-12', 300, 0.35, 50, 'Fasteners'),
    ('Nylon Wall Plugs 6mm (100)', 'FS-WP-6', 80, 3.99, 20, 'Fasteners'),
    ('LED Bulb E27 9W Warm White', 'EL-LED-E27', 150, 4.20, 40, 'Electrical'),
    ('Extension Cord 5m', 'EL-EXT-5', 12, 11.90, 6, 'Electrical'),
    ('Wall Switch Single White', 'EL-SW-1W', 35, 3.15, 10, 'Electrical'),
    ('Interior Paint Matte White 2.5L', 'PF-INT-W25', 18, 27.50, 6, 'Paint & Finishes'),
    ('Wood Stain Oak 750ml', 'PF-STN-OAK', 9, 12.75, 4, 'Paint & Finishes'),
    ('PTFE Thread Tape 12mm', 'PL-PTFE-12', 200, 1.10, 40, 'Plumbing'),
    ('Brass Ball Valve 1/2in', 'PL-BV-12', 25, 8.60, 6, 'Plumbing')
) as v (name, sku, quantity, price, reorder_level, category)
inner join inventory.categories as c on v.category = c.name
order by v.sku;

insert into inventory.stock_movements (product_id, delta, reason, quantity_after)
select
    p.id as product_id,
    p.quantity as delta,
    'initial' as reason,
    p.quantity as quantity_after
from inventory.products as p
order by p.id;

with change as (
    select
        v.sku,
        v.delta,
        v.reason,
        v.n
    from (
        values
        ('HT-HAM-16', -3, 'sale', 1),
        ('EL-EXT-5', -9, 'sale', 2),
        ('PF-STN-OAK', -6, 'sale', 3),
        ('FS-WID-12', 200, 'restock', 4),
        ('PL-BV-12', -2, 'return to supplier', 5)
    ) as v (sku, delta, reason, n)
),

changed as (
    update inventory.products as p
    set
        quantity = p.quantity + c.delta,
        updated_at = now()
    from change as c
    where p.sku = c.sku
    returning p.id, p.quantity, c.delta, c.reason, c.n
)

insert into inventory.stock_movements (product_id, delta, reason, quantity_after)
select
    ch.id as product_id,
    ch.delta,
    ch.reason,
    ch.quantity as quantity_after
from changed as ch
order by ch.n;
