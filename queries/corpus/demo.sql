-- The demo corpus loaded by `catalog seed --demo` (and by scripts/serve into an empty database):
-- paragraphs in the style of the text source, so search and the dictionary work offline.

-- name: demo_paragraphs#
-- Inserts a few dozen paragraphs, oldest first, created a minute apart (word counts: recount_words),
-- and cached definitions of their most frequent words (refreshed from the dictionary once stale).
insert into corpus.paragraphs (content, created_at)
select
    d.content,
    timestamptz '2025-01-01 09:00:00+00' + d.n * interval '1 minute' as created_at
from (
    values
    (
        1, 'One cannot separate lions from dreamy calculators. A sheep is a lizard from the right perspective. '
        || 'The first knobby kite is, in its own way, a lotion. Some posit the unsnuffed tank to be less than '
        || 'stolid.'
    ),
    (
        2, 'Their lamb was, in this moment, a jasp rice. A cat is a trout from the right perspective. The wood '
        || 'of a stem becomes a sloshy chill. Nowhere is it disputed that a faded pine is a bacon of the mind.'
    ),
    (
        3, 'The zeitgeist contends that a guitar is an umbrella''s bicycle. Someone said none of the boats were '
        || 'ready, and one of them was certainly not. We can assume that any instance of a bread can be '
        || 'construed as a frumpy bee.'
    ),
    (
        4, 'A well-known shirt is a diving of the mind. Authors often misinterpret the crayon as a brainless '
        || 'lyric, when in actuality it feels more like a slumbrous swim. Don''t the cats know that the '
        || 'trumpet is a bomb?'
    ),
    (
        5, 'Those teeths are nothing more than rubbers. The literature would have us believe that a fervid '
        || 'pakistan is not but a hippopotamus. A vein is a cardigan from the right perspective.'
    ),
    (
        6, 'Some assert that the first unscaled trouble is, in its own way, a tea. A hubcap is a steven''s '
        || 'soccer. In modern times the cymbal of a rice becomes a jolty mandolin. The harp is a burn.'
    ),
    (
        7, 'Extending this logic, the first tawdry north is, in its own way, a siamese. Though we assume the '
        || 'latter, a biology can hardly be considered a trimmer dinosaur without also being a lunchroom.'
    ),
    (
        8, 'A ravioli is a flax from the right perspective. The literature would have us believe that a '
        || 'cormous paul is not but a tray. In recent years, a snail sees a shrine as a pettish dresser.'
    ),
    (
        9, 'One cannot separate dragons from parklike bushes. The pheasants could be said to resemble '
        || 'saintly trumpets. If this was somewhat unclear, those swallows are nothing more than scarfs.'
    ),
    (
        10, 'The first stalkless lyre is, in its own way, a handball. Some posit the cissoid quarter to be '
        || 'less than sphygmic. A dinner is a thumb from the right perspective, and the thumb is the one.'
    ),
    (
        11, 'Few can name a loathly blue that isn''t a rotted pancake. A chill is the bath of a pyjama. The '
        || 'zeitgeist contends that the ants could be said to resemble moonless buffets.'
    ),
    (
        12, 'Their cemetery was, in this moment, a brattish hen. A sheep sees a cave as a spiral knight. The '
        || 'first chalky toy is, in its own way, a catsup. Framed in a different way, a fire is a grey.'
    ),
    (
        13, 'A turret is a goose from the right perspective. The smoke is a spade. Before lawyers, pumpkins '
        || 'were only puppies. The first well-known rainstorm is, in its own way, a copy.'
    ),
    (
        14, 'We know that a quiet is a hubcap''s lotion. An exhaust is a hoof from the right perspective. '
        || 'Authors often misinterpret the shade as a clerkly fountain, when in actuality it feels more like '
        || 'a chalky brian.'
    ),
    (
        15, 'The sunfish of a step-uncle becomes a chestless purchase. A cushion is a fiber from the right '
        || 'perspective. It''s an undeniable fact, really; the tiger is a sentence. No one denies it.'
    ),
    (
        16, 'Some posit the dreamful pilot to be less than chartless. Nowhere is it disputed that the '
        || 'crossbar is a chess. The mittened fowl comes from a wintry rose. One would guess it is so.'
    ),
    (
        17, 'A belt is a digital from the right perspective. The literature would have us believe that a '
        || 'cliquish snow is not but a raincoat. Some hempen flutes are thought of simply as soybeans.'
    ),
    (
        18, 'To be more specific, the goose of a cupboard becomes a twinning nephew. A tramp of the hen is '
        || 'assumed to be a kindless alarm. Don''t forget that the mountains could be said to resemble '
        || 'cursive kilometers.'
    ),
    (
        19, 'The ship is a chord. In ancient times a crow is an apparel''s marimba. A weeder bread''s robin '
        || 'comes with it the thought that the fearful beach is a bottom. Someone must be the one.'
    ),
    (
        20, 'A salary is a frost''s crack. In modern times the zebra of a parade becomes a crinite waiter. '
        || 'The first blotty pair is, in its own way, an anatomy. Their jail was, in this moment, a bracing '
        || 'father.'
    ),
    (
        21, 'A witch of the fish is assumed to be a dizzied tanker. Recent controversy aside, the burly '
        || 'sphere comes from a frowsty theater. The well is deep, and it is well known that wells are deep.'
    ),
    (
        22, 'If this was somewhat unclear, the literature would have us believe that an unlaid spain is not '
        || 'but a chest. The rabbits could be said to resemble quartered trombones. One is none, said nobody.'
    ),
    (
        23, 'A shoemaker sees a cow as a smarmy farm. The first dendroid knee is, in its own way, a pantry. '
        || 'Authors often misinterpret the ticket as a tensest bell, when in actuality it feels more like a '
        || 'wrinkly drake.'
    ),
    (
        24, 'Far from the truth, a paper is the cauliflower of a pepper. The leo is a vegetable. A ladybug '
        || 'can hardly be considered a slangy fall without also being a snowman. Someone else was there.'
    ),
    (
        25, 'An organ is a heron''s tail. Though we assume the latter, a cancer is a glowing hardboard. The '
        || 'zeitgeist contends that the first foamless plastic is, in its own way, a bolt.'
    ),
    (
        26, 'Some assert that the bridge is a stem. A rain sees a rock as a hurried pollution. Before '
        || 'tankers, pastors were only dirts. The first sprucest saw is, in its own way, a piano.'
    ),
    (
        27, 'The anthropology is a steel. An aunt is the bus of a kendo. Washes are gamesome sheets. We '
        || 'know that a fruit is a scaleless beef. The one that got away was not the only one.'
    ),
    (
        28, 'A friend is a dugout from the right perspective. Some posit the sunlit wind to be less than '
        || 'tressy. A tempo can hardly be considered a gowany helmet without also being a weasel.'
    ),
    (
        29, 'In recent years, a mouse is a leek''s trial. A coach is a tabby boat. The zeitgeist contends '
        || 'that the literature would have us believe that a thumbless year is not but a brazil.'
    ),
    (
        30, 'An insect is a shingle''s cloakroom. Those octopuses are nothing more than pairs. A stock sees '
        || 'a tire as a harmless daffodil. Framed in a different way, the first clever cup is a jet.'
    ),
    (
        31, 'Their rub was, in this moment, an upbound slice. A scarecrow is the cup of a sand. The '
        || 'literature would have us believe that an unbarbed cabinet is not but a refund.'
    ),
    (
        32, 'The first whitish shop is, in its own way, a barber. A well-known fact: a kettle is a '
        || 'silver''s orchestra. Don''t try to separate the beans from the sleeveless tables; no one can.'
    )
) as d (n, content);

insert into corpus.definitions (word, found, definitions, phonetic)
values
('way', true, array['A road, a path.', 'A method or manner of doing something.'], '/weɪ/'),
('first', true, array['Preceding all others of a series or kind.'], '/fɜːst/'),
('one', true, array['The number represented by the Arabic numeral 1.'], '/wʌn/'),
('perspective', true, array['A view, vista or outlook.', 'A point of view.'], '/pəˈspɛktɪv/'),
('right', true, array['Complying with justice, correctness or reason.', 'On the right side.'], '/ɹaɪt/'),
('would', true, array['Used to express a conditional or hypothetical action.'], '/wʊd/'),
('literature', true, array['The body of all written works.'], '/ˈlɪt(ə)ɹɪt͡ʃə/'),
('believe', true, array['To accept as true.', 'To have religious faith.'], '/bɪˈliːv/'),
('said', true, array['Simple past tense and past participle of say.'], '/sɛd/'),
('us', true, array['The objective case of we.'], '/ʌs/'),
('a', true, array['The first letter of the English alphabet.', 'An indefinite article.'], '/eɪ/'),
('the', true, array['Definite grammatical article.'], '/ðə/')
on conflict (word) do nothing;
