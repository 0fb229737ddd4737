import pytest

from liveline.triage.profanity import find_profanity, is_profane, mask_profanity

CLEAN = ["хлеба", "употреблять", "страхование", "оскорбление", "сабля", "Команданте", "Хуторской", "рубля",
         "корабль", "небо", "психология", "тихую", "сухую", "себя", "вебинар", "блатной", "хулиган", "застрахуй",
         "бляха", "мандарин", "похудеть", "Ебаново"]
PROFANE = ["х*й", "бл@ть", "пи3дец", "х у й", "xуй", "бляtь", "blyat", "pizdec", "бляяять", "ох*ели", "нахуй",
           "заебали", "долбоебы", "п и з д е ц", "бл9ть", "пи.з.дец", "мудак", "ебанова"]


@pytest.mark.parametrize("word", CLEAN)
def test_trap_words_are_clean(word):
    assert not is_profane(f"Вопрос про {word} на нашей улице")


@pytest.mark.parametrize("word", PROFANE)
def test_obfuscated_mat_is_found(word):
    assert find_profanity(f"когда уже {word} дорогу сделают") == [word]


def test_mask_keeps_first_letter_and_rest_of_text():
    assert mask_profanity("Бл@ть, когда дорогу сделают, х у й вам") == "Б***, когда дорогу сделают, х*** вам"
    assert not is_profane(mask_profanity("пиздец а не ремонт"))


def test_coarse_insults_count_as_profanity_and_cattle_and_a_thaw_do_not() -> None:
    from liveline.triage.profanity import find_profanity

    assert find_profanity("В регистратуре сидят какие-то идиоты") == ["идиоты"]
    assert find_profanity("УК обнаглели, плату подняли. Придурки") == ["Придурки"]
    assert find_profanity("что за х**ня с автобусом") == ["х**ня"]
    assert find_profanity("Тупые отписки одни") == ["Тупые"]
    assert find_profanity("крышу заливает при каждой оттепели") == []
    assert find_profanity("скот бродит по дороге, в тупике у фермы") == []


@pytest.mark.parametrize("text", ["клоуны, а не администрация", "слушайте вы бездельники", "ты наверно подлиза",
                                  "нахер такие дороги", "бл@дь, третий раз пишу"])
def test_insults_and_disguised_mat_are_caught(text: str) -> None:
    assert find_profanity(text)


def test_a_theft_is_reported_not_censored() -> None:
    assert find_profanity("у нас вор залез в гараж на Садовой, полиция не едет") == []


def test_a_surname_is_no_insult_but_people_treated_as_cattle_is() -> None:
    assert not is_profane("записаться на приём к Козлову невозможно, Козлов принимает по средам")
    assert is_profane("эти козлов не накажут")
    assert find_profanity("относятся к людям как к скотам в соцзащите") == ["скотам"]
    assert not is_profane("скот на дороге, пастух не смотрит")
