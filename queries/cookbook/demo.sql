-- The demo cookbook loaded by `catalog seed --demo` (and by scripts/serve into an empty database).

-- name: demo_cookbook#
-- Inserts the old recipe service's sample (categories 1-4, ingredients 1-6, Pancakes and Tomato
-- Salad as recipes 1 and 2, with those ids) and a few dozen well-known recipes with some views.

insert into cookbook.categories (name)
values
('Dessert'),
('Main'),
('Appetizer'),
('Salad'),
('Soup'),
('Breakfast'),
('Side Dish'),
('Bread'),
('Drink');

insert into cookbook.ingredients (name)
values
('Eggs'),
('Milk'),
('Sugar'),
('Flour'),
('Tomato'),
('Cheese'),
('Salt'),
('Water'),
('Butter'),
('Olive Oil'),
('Garlic'),
('Onion'),
('Black Pepper'),
('Basil'),
('Lemon'),
('Rice'),
('Chicken'),
('Potato'),
('Carrot'),
('Celery'),
('Cream'),
('Yeast'),
('Honey'),
('Cinnamon'),
('Apple'),
('Chickpeas'),
('Tahini'),
('Cucumber'),
('Yogurt'),
('Mint'),
('Beef'),
('Red Wine'),
('Mushrooms'),
('Parmesan'),
('Pasta'),
('Bacon'),
('Lettuce'),
('Croutons'),
('Avocado'),
('Lime'),
('Coriander'),
('Chili'),
('Ginger'),
('Soy Sauce'),
('Coconut Milk'),
('Curry Paste'),
('Lentils'),
('Cumin'),
('Banana'),
('Chocolate'),
('Vanilla'),
('Oats'),
('Strawberries'),
('Mozzarella'),
('Bread'),
('Paprika'),
('Spinach'),
('Feta'),
('Olives'),
('Pumpkin');

with demo (n, title, category, description, instructions, servings, prep_minutes, cook_minutes, items) as (
    values
    (
        1, 'Pancakes', 'Dessert', 'Fluffy pancakes for a weekend breakfast.',
        'Whisk the eggs and milk, add flour and sugar, rest 10 minutes, fry ladlefuls in a hot pan.',
        4, 10, 15, array['Eggs|2|', 'Milk|300|ml', 'Sugar|2|tbsp', 'Flour|200|g']
    ),
    (
        2, 'Tomato Salad', 'Salad', 'Ripe tomatoes with cheese.',
        'Slice the tomatoes, crumble the cheese over them, season and serve.',
        2, 10, 0, array['Tomato|4|', 'Cheese|100|g']
    ),
    (
        3, 'Caprese Salad', 'Salad', 'Tomato, mozzarella and basil.',
        'Slice tomatoes and mozzarella, layer with basil, dress with olive oil and salt.',
        2, 10, 0, array['Tomato|3|', 'Mozzarella|200|g', 'Basil|1|bunch', 'Olive Oil|2|tbsp', 'Salt|1|pinch']
    ),
    (
        4, 'Margherita Pizza', 'Main', 'The Neapolitan classic.',
        'Make a dough of flour, water, yeast and salt; top with tomato and mozzarella; bake very hot.',
        2, 90, 10,
        array[
            'Flour|300|g', 'Water|200|ml', 'Yeast|3|g', 'Salt|1|tsp', 'Tomato|200|g', 'Mozzarella|150|g',
            'Basil||', 'Olive Oil|1|tbsp'
        ]
    ),
    (
        5, 'Spaghetti Carbonara', 'Main', 'Eggs, cheese and bacon on pasta.',
        'Cook the pasta; fry the bacon; toss off the heat with eggs beaten with parmesan and pepper.',
        2, 10, 15, array['Pasta|200|g', 'Bacon|100|g', 'Eggs|2|', 'Parmesan|50|g', 'Black Pepper||', 'Salt||']
    ),
    (
        6, 'Chicken Curry', 'Main', 'A mild coconut curry.',
        'Fry onion, garlic and ginger, add curry paste, chicken and coconut milk, simmer 25 minutes.',
        4, 15, 30,
        array[
            'Chicken|600|g', 'Onion|1|', 'Garlic|2|cloves', 'Ginger|1|tbsp', 'Curry Paste|2|tbsp',
            'Coconut Milk|400|ml', 'Rice|300|g', 'Salt||'
        ]
    ),
    (
        7, 'Hummus', 'Appetizer', 'Smooth chickpea dip.',
        'Blend chickpeas with tahini, lemon, garlic, olive oil and a little water until smooth.',
        6, 10, 0,
        array[
            'Chickpeas|400|g', 'Tahini|3|tbsp', 'Lemon|1|', 'Garlic|1|clove', 'Olive Oil|3|tbsp', 'Salt||',
            'Water|3|tbsp'
        ]
    ),
    (
        8, 'Guacamole', 'Appetizer', 'Avocado dip with lime and chili.',
        'Mash the avocados with lime juice, salt, chopped onion, coriander and chili.',
        4, 10, 0, array['Avocado|3|', 'Lime|1|', 'Onion|0.5|', 'Coriander||', 'Chili|1|', 'Salt||']
    ),
    (
        9, 'Tomato Soup', 'Soup', 'Roast tomato soup.',
        'Roast tomatoes, onion and garlic, blend with water, season and finish with cream.',
        4, 10, 40,
        array[
            'Tomato|1|kg', 'Onion|1|', 'Garlic|3|cloves', 'Olive Oil|2|tbsp', 'Water|500|ml', 'Cream|100|ml',
            'Salt||', 'Black Pepper||'
        ]
    ),
    (
        10, 'Lentil Soup', 'Soup', 'Red lentils with cumin and lemon.',
        'Soften onion and carrot, add lentils, cumin and water, simmer 25 minutes, blend, add lemon.',
        4, 10, 30,
        array['Lentils|250|g', 'Onion|1|', 'Carrot|1|', 'Cumin|1|tsp', 'Water|1200|ml', 'Lemon|1|', 'Salt||']
    ),
    (
        11, 'French Omelette', 'Breakfast', 'Soft rolled omelette.',
        'Beat eggs with salt, cook in foaming butter stirring fast, roll and serve.',
        1, 2, 3, array['Eggs|3|', 'Butter|1|tbsp', 'Salt||']
    ),
    (
        12, 'Porridge', 'Breakfast', 'Oats cooked in milk with honey.',
        'Simmer oats in milk and water for 5 minutes, stirring; sweeten with honey and cinnamon.',
        2, 1, 6, array['Oats|100|g', 'Milk|300|ml', 'Water|200|ml', 'Honey|1|tbsp', 'Cinnamon||', 'Salt||']
    ),
    (
        13, 'Banana Bread', 'Bread', 'Moist loaf for overripe bananas.',
        'Mash bananas, beat in butter, sugar and eggs, fold in flour, bake 60 minutes at 175 C.',
        8, 15, 60, array['Banana|3|', 'Butter|100|g', 'Sugar|150|g', 'Eggs|2|', 'Flour|250|g', 'Salt||']
    ),
    (
        14, 'Apple Crumble', 'Dessert', 'Baked apples under a buttery crumble.',
        'Slice apples with sugar and cinnamon; rub flour, butter, sugar and oats to crumbs; bake 35 minutes.',
        6, 20, 35,
        array['Apple|1|kg', 'Sugar|120|g', 'Cinnamon|1|tsp', 'Flour|150|g', 'Butter|100|g', 'Oats|50|g']
    ),
    (
        15, 'Chocolate Mousse', 'Dessert', 'Airy dark chocolate mousse.',
        'Melt chocolate, fold in yolks, then whipped whites with sugar; chill 4 hours.',
        4, 20, 0, array['Chocolate|200|g', 'Eggs|4|', 'Sugar|2|tbsp']
    ),
    (
        16, 'Crepes', 'Dessert', 'Thin French pancakes.',
        'Whisk flour, eggs, milk and melted butter to a thin batter; cook very thin crepes.',
        4, 10, 20, array['Flour|125|g', 'Eggs|2|', 'Milk|300|ml', 'Butter|1|tbsp', 'Sugar|1|tbsp', 'Salt||']
    ),
    (
        17, 'Greek Salad', 'Salad', 'Tomato, cucumber, olives and feta.',
        'Chop tomato, cucumber and onion, add olives and feta, dress with olive oil.',
        2, 10, 0,
        array['Tomato|3|', 'Cucumber|1|', 'Onion|0.5|', 'Olives|12|', 'Feta|150|g', 'Olive Oil|3|tbsp']
    ),
    (
        18, 'Caesar Salad', 'Salad', 'Crisp lettuce, croutons and parmesan.',
        'Toss lettuce with a dressing of egg, garlic, lemon, olive oil and parmesan; add croutons.',
        2, 15, 0,
        array[
            'Lettuce|1|', 'Croutons|50|g', 'Parmesan|40|g', 'Eggs|1|', 'Garlic|1|clove', 'Lemon|0.5|',
            'Olive Oil|4|tbsp'
        ]
    ),
    (
        19, 'Tzatziki', 'Appetizer', 'Yogurt, cucumber and garlic.',
        'Grate and squeeze the cucumber, stir into yogurt with garlic, mint, olive oil and salt.',
        4, 10, 0, array['Yogurt|400|g', 'Cucumber|1|', 'Garlic|1|clove', 'Mint||', 'Olive Oil|1|tbsp', 'Salt||']
    ),
    (
        20, 'Beef Stew', 'Main', 'Beef braised in red wine.',
        'Brown the beef, add onion, carrot, celery and mushrooms, pour in wine, braise 2.5 hours.',
        6, 30, 150,
        array[
            'Beef|1|kg', 'Onion|2|', 'Carrot|3|', 'Celery|2|', 'Mushrooms|250|g', 'Red Wine|500|ml', 'Flour|2|tbsp',
            'Salt||', 'Black Pepper||'
        ]
    ),
    (
        21, 'Mushroom Risotto', 'Main', 'Creamy rice with mushrooms and parmesan.',
        'Toast rice with onion, add stock ladle by ladle, stir in fried mushrooms, butter and parmesan.',
        4, 10, 30,
        array[
            'Rice|320|g', 'Mushrooms|300|g', 'Onion|1|', 'Butter|50|g', 'Parmesan|60|g', 'Water|1200|ml',
            'Salt||'
        ]
    ),
    (
        22, 'Roast Chicken', 'Main', 'Whole chicken with lemon and garlic.',
        'Stuff the chicken with lemon and garlic, rub with butter and salt, roast 80 minutes at 200 C.',
        4, 10, 80, array['Chicken|1.6|kg', 'Lemon|1|', 'Garlic|1|head', 'Butter|30|g', 'Salt||', 'Black Pepper||']
    ),
    (
        23, 'Mashed Potatoes', 'Side Dish', 'Buttery mash.',
        'Boil the potatoes in salted water, mash with hot milk and butter.',
        4, 10, 20, array['Potato|1|kg', 'Milk|150|ml', 'Butter|60|g', 'Salt||']
    ),
    (
        24, 'Roasted Carrots', 'Side Dish', 'Honey-glazed carrots.',
        'Toss carrots with olive oil, honey, cumin and salt; roast 30 minutes.',
        4, 5, 30, array['Carrot|600|g', 'Olive Oil|2|tbsp', 'Honey|1|tbsp', 'Cumin|1|tsp', 'Salt||']
    ),
    (
        25, 'Focaccia', 'Bread', 'Olive oil flatbread.',
        'Mix flour, water, yeast and salt, rise twice in an oiled tin, dimple, bake 25 minutes.',
        8, 180, 25, array['Flour|500|g', 'Water|400|ml', 'Yeast|7|g', 'Salt|10|g', 'Olive Oil|60|ml']
    ),
    (
        26, 'Fried Rice', 'Main', 'Leftover rice, egg and soy.',
        'Fry garlic and ginger, add cold rice, push aside to scramble eggs, season with soy sauce.',
        2, 10, 10, array['Rice|400|g', 'Eggs|2|', 'Garlic|2|cloves', 'Ginger|1|tsp', 'Soy Sauce|2|tbsp', 'Onion|1|']
    ),
    (
        27, 'Strawberry Smoothie', 'Drink', 'Strawberries, banana and yogurt.',
        'Blend everything until smooth.',
        2, 5, 0, array['Strawberries|200|g', 'Banana|1|', 'Yogurt|150|g', 'Milk|200|ml', 'Honey|1|tsp']
    ),
    (
        28, 'Lemonade', 'Drink', 'Fresh lemonade.',
        'Dissolve sugar in hot water, add lemon juice and cold water, chill.',
        6, 10, 0, array['Lemon|6|', 'Sugar|150|g', 'Water|1500|ml']
    ),
    (
        29, 'Pumpkin Soup', 'Soup', 'Velvety pumpkin with ginger.',
        'Soften onion and ginger, add pumpkin and water, simmer 25 minutes, blend with coconut milk.',
        4, 15, 30,
        array['Pumpkin|1|kg', 'Onion|1|', 'Ginger|1|tbsp', 'Water|800|ml', 'Coconut Milk|200|ml', 'Salt||']
    ),
    (
        30, 'Spinach and Feta Pie', 'Main', 'Spanakopita-style pie.',
        'Wilt spinach with onion, mix with feta and eggs, bake between layers of buttered pastry.',
        6, 30, 45,
        array['Spinach|1|kg', 'Feta|200|g', 'Eggs|2|', 'Onion|1|', 'Butter|80|g', 'Flour|300|g', 'Black Pepper||']
    ),
    (
        31, 'Patatas Bravas', 'Appetizer', 'Crisp potatoes with spicy tomato sauce.',
        'Roast potato cubes until crisp; simmer tomato with garlic, paprika and chili; pour over.',
        4, 10, 40,
        array[
            'Potato|800|g', 'Tomato|400|g', 'Garlic|2|cloves', 'Paprika|2|tsp', 'Chili|1|', 'Olive Oil|4|tbsp',
            'Salt||'
        ]
    ),
    (
        32, 'Rice Pudding', 'Dessert', 'Slow-baked creamy rice.',
        'Simmer rice in milk with sugar and vanilla until thick, about 40 minutes; dust with cinnamon.',
        4, 5, 40, array['Rice|100|g', 'Milk|1|l', 'Sugar|80|g', 'Vanilla|1|tsp', 'Cinnamon||']
    ),
    (
        33, 'Bruschetta', 'Appetizer', 'Toasted bread with tomato and basil.',
        'Toast bread, rub with garlic, top with chopped tomato, basil, olive oil and salt.',
        4, 10, 5, array['Bread|8|slices', 'Tomato|4|', 'Garlic|1|clove', 'Basil||', 'Olive Oil|3|tbsp', 'Salt||']
    ),
    (
        34, 'Cheese Omelette', 'Breakfast', 'Omelette with melted cheese.',
        'Beat eggs with milk, cook in butter, add grated cheese, fold.',
        1, 2, 4, array['Eggs|3|', 'Milk|2|tbsp', 'Cheese|40|g', 'Butter|1|tbsp']
    )
),

inserted as (
    insert into cookbook.recipes (
        title, description, instructions, category_id, servings, prep_minutes, cook_minutes, ingredient_count
    )
    select
        d.title,
        d.description,
        d.instructions,
        c.id,
        d.servings,
        d.prep_minutes,
        d.cook_minutes,
        cardinality(d.items) as ingredient_count
    from demo as d
    inner join cookbook.categories as c on d.category = c.name
    order by d.n
    returning id, title
)

insert into cookbook.recipe_ingredients (recipe_id, ingredient_id, quantity, unit, position, rarity_rank)
select
    ins.id as recipe_id,
    i.id as ingredient_id,
    nullif(split_part(it.item, '|', 2), '') as quantity,
    nullif(split_part(it.item, '|', 3), '') as unit,
    it.position,
    it.position as rarity_rank
from demo as d
inner join inserted as ins on d.title = ins.title
cross join lateral unnest(d.items) with ordinality as it (item, position)
inner join cookbook.ingredients as i on split_part(it.item, '|', 1) = i.name;

-- Rank each recipe's ingredients rarest first by how many demo recipes use them.
update cookbook.recipe_ingredients as ri
set rarity_rank = ranked.rarity_rank
from (
    select
        counted.recipe_id,
        counted.ingredient_id,
        row_number() over (
            partition by counted.recipe_id order by counted.uses asc, counted.ingredient_id desc
        ) as rarity_rank
    from (
        select
            link.recipe_id,
            link.ingredient_id,
            count(*) over (partition by link.ingredient_id) as uses
        from cookbook.recipe_ingredients as link
    ) as counted
) as ranked
where ri.recipe_id = ranked.recipe_id and ri.ingredient_id = ranked.ingredient_id;

-- Some view history, so /recipes/popular has an order: recipe n gets (n * 7) % 13 views.
insert into cookbook.recipe_views (recipe_id, viewed_at)
select
    r.id,
    timestamptz '2025-06-01 12:00:00+00' + v.n * interval '37 minutes' as viewed_at
from cookbook.recipes as r
cross join generate_series(1, ((r.id * 7) % 13)::integer) as v (n);

insert into cookbook.recipe_view_counts (recipe_id, view_count)
select
    r.id,
    count(v.id) as view_count
from cookbook.recipes as r
left join cookbook.recipe_views as v on r.id = v.recipe_id
group by r.id;
