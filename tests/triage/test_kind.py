"""What a comment is: a question, a "me too" for its parent, or chatter — and a question is never sent to "Чат"
on a guess."""

from __future__ import annotations

import pytest

from liveline.triage.kind import Parent, is_addition, kind_of

QUESTION = Parent("question", street="Садовая", settlement="Новоозёрск")


@pytest.mark.parametrize("text", ["+", "+1", "+++ сил уже нет", "👍", "подтверждаю, каждый день там хожу",
                                  "присоединяюсь", "поддерживаю, весь двор ждёт", "и у нас так же",
                                  "тоже хотим знать, присоединяюсь", "живу там же, то же самое"])
def test_agreement_under_a_question_is_support(text: str) -> None:
    assert kind_of(text, "roads", QUESTION) == "support"


def test_the_same_words_under_chatter_or_under_nothing_are_not_support() -> None:
    assert kind_of("+", "other", Parent("chatter")) == "chatter"
    assert kind_of("+1", "other", None) == "chatter"


def test_a_me_too_at_another_address_is_a_question_of_its_own() -> None:
    assert kind_of("и у нас так же, на Луговой ни одного фонаря", "lighting", QUESTION, street="Луговая") == "question"
    assert kind_of("у нас на Садовой 14 то же самое", "housing", QUESTION, street="Садовая") == "question"


@pytest.mark.parametrize("text", ["звука нет", "а почему трансляция без звука?", "когда начнётся?",
                                  "Это прямой эфир или запись?", "Повторите, прерывалось", "тормозит у всех?",
                                  "Добрый вечер всем!", "Привет из Сосновки 🙂", "Спасибо за ответ про мост!",
                                  "Иван Петрович, здоровья вам!", "С наступающим Новым годом всех! 🎄", "😂😂",
                                  "ха-ха", "Опять ничего конкретного, одни обещания", "Кто подскажет хорошего электрика?",
                                  "Здравствуйте! Вопросы сюда писать?", "Спасибо за новую площадку на Зелёной!"])
def test_stream_talk_courtesy_reactions_and_remarks_are_chatter(text: str) -> None:
    assert kind_of(text, "other") == "chatter"


@pytest.mark.parametrize(("text", "topic"), [
    ("Здравствуйте! Когда отремонтируют дорогу на Ленина?", "roads"),
    ("Спасибо за ответ, но когда всё-таки починят крышу?", "housing"),
    ("и фонари на мосту не горят, вечером там вообще ничего не видно, машины пешеходов не замечают", "lighting"),
    ("Кто знает, почему на Садовой третий день нет воды?", "water_heating"),
    ("Добрый вечер! У нас в Сосновке нет газа, перезвоните 8 917 123-45-67", "gasification"),
])
def test_a_question_with_courtesy_or_stream_words_stays_a_question(text: str, topic: str) -> None:
    assert kind_of(text, topic) == "question"


@pytest.mark.parametrize("text", ["микрофон включите!", "плохо слышно главу", "картинка зависла", "громче сделайте",
                                  "где можно посмотреть запись эфира", "видео пропало", "всё понятно", "ждём ответа",
                                  "Ответьте на мой вопрос!!!", "почему игнорируете вопросы", "опять показуха",
                                  "удаляют комментарии, цензура", "неудобные вопросы не читают"])
def test_more_stream_trouble_waiting_and_remarks_on_the_process_are_chatter(text: str) -> None:
    assert kind_of(text, "other") == "chatter"


@pytest.mark.parametrize(("text", "topic"), [
    ("не понятно, когда починят дорогу на Ленина, третий год ждём", "roads"),
    ("устроили цирк с ремонтом моста: копают, закапывают, а проехать к школе нельзя уже два месяца", "roads"),
    ("Мой вопрос про газ в Сосновке прочитают? Третий год обещают", "gasification"),
])
def test_process_words_beside_a_real_complaint_keep_it_a_question(text: str, topic: str) -> None:
    assert kind_of(text, topic) == "question"


def test_spam_is_chatter() -> None:
    assert kind_of("Натяжные потолки недорого", "other", spam=True) == "chatter"


ON_SADOVAYA = Parent("question", street="Садовая", settlement="Новоозёрск", topic="lighting")


@pytest.mark.parametrize(("text", "topic"), [
    ("там ещё у 20 дома столб покосился", "housing"),  # another topic, tied to the parent by "там ещё"
    ("особенно по вечерам, ни одного фонаря до остановки", "lighting"),
    ("уже третью неделю так", "other"),
    ("и раздевалки там же затопило", "housing"),
])
def test_a_reply_that_only_adds_to_its_parent_is_an_addition(text: str, topic: str) -> None:
    assert is_addition(text, topic, ON_SADOVAYA)


@pytest.mark.parametrize(("text", "topic", "street", "settlement"), [
    ("когда уже починят?", "lighting", None, None),  # it asks
    ("а у нас в Луговом автобус не ходит", "transport", None, "Луговое"),  # its own matter and place
    ("кстати, мусор тоже не вывозят", "waste", None, None),
    ("на Мира фонари тоже не горят", "lighting", "Мира", "Новоозёрск"),  # another street
    ("и мусор у школы не вывозят", "waste", None, None),  # another topic, nothing ties it to the parent
])
def test_a_reply_with_a_matter_of_its_own_is_no_addition(text: str, topic: str, street: str | None,
                                                         settlement: str | None) -> None:
    assert not is_addition(text, topic, ON_SADOVAYA, street, settlement)


def test_nothing_joins_a_filtered_or_chatter_parent() -> None:
    assert not is_addition("там ещё яма", "roads", Parent("question", topic="roads", filtered=True))
    assert not is_addition("там ещё яма", "roads", Parent("chatter"))


@pytest.mark.parametrize("text", ["изображение перевёрнуто 😂", "Добрый вечер, Ягодное на связи 👋", "ЗДРАСТЕ",
                                  "огромное человеческое спасибо за фонари у вокзала, наконец-то светло",
                                  "поздравляю всех учителей с их днём!! 💐", "пока пока, мне на смену",
                                  "вопросы отбирают заранее, неудобные не читают", "во сколько закончится эфир?",
                                  "под каким постом оставлять вопросы, под этим или под видео?"])
def test_greetings_thanks_stream_and_process_talk_in_many_wordings_are_chatter(text: str) -> None:
    assert kind_of(text, "other") == "chatter"


@pytest.mark.parametrize(("text", "topic"), [
    ("спасибо что проводите такие эфиры. вопрос: когда в Кривцово отремонтируют дорогу от трассы до школы", "roads"),
    ("я понимаю что звук плохой но всё же спрошу: канализация на Садовом 2 топит подвал, когда откачают?", "housing"),
    ("спасибо за прошлый ответ про лифт, его так и не починили. Заводская 14, напоминаю", "housing"),
    ("На рынке нет туалета! Поставьте хоть биотуалет", "other"),
    ("с наступающим! и ещё: в Ягодном ёлку на площади поставят в этом году?", "other"),
])
def test_courtesy_or_stream_talk_around_a_real_question_leaves_it_a_question(text: str, topic: str) -> None:
    assert kind_of(text, topic) == "question"


@pytest.mark.parametrize("text", ["и не говорите, вонь на весь двор", "да, меня вчера чуть не покусали", "плюсую",
                                  "такая же ситуация", "правильный вопрос!"])
def test_agreement_in_other_words_under_a_question_is_support(text: str) -> None:
    assert kind_of(text, "other", QUESTION) == "support"


def test_when_will_they_start_building_is_a_question_and_when_will_it_start_is_the_stream() -> None:
    assert kind_of("Когда начнут строить поликлинику в Заречном, которую обещали?", "healthcare") == "question"
    assert kind_of("когда уже начнётся?", "other") == "chatter"


_UNDER_A_QUESTION = Parent("question", street="Лесная", settlement="Дубравинск", topic="roads")


@pytest.mark.parametrize("text", [
    "в РЭС звоните немедленно, а не в комментах пишите!",
    "лифтами не администрация занимается, а лифтовая организация, им звоните",
    "участковому пишите, это к нему",
    "в соцзащите на Советской компенсацию дают, спросите там",
    "не пишите свой лицевой в интернете, мало ли",
    "при чём тут глава, зарплаты область платит",
    "держитесь 🙏 здоровья маме",
    "на субботник выйдут три пенсионерки как всегда 😂",
])
def test_a_reply_that_talks_to_the_resident_above_is_chatter(text: str) -> None:
    assert kind_of(text, "other", _UNDER_A_QUESTION) == "chatter"


@pytest.mark.parametrize("text", [
    "звоните в администрацию хоть каждый день, третью неделю на Лесной нет воды",  # turns to the administration
    "позвоните мне пожалуйста, расскажу где прорвало",  # a request for the writer
    "им звонили уже, когда починят?",  # asks
    "ямы такие что машина тонет 😂 когда засыпят",  # a joke around a real question
])
def test_a_reply_that_turns_to_the_official_stays_a_question(text: str) -> None:
    assert kind_of(text, "roads", _UNDER_A_QUESTION) == "question"


@pytest.mark.parametrize("text", [
    "усилитель на крышу купите, тысяч за пять, и всё ловит",
    "кипятите и отстаивайте, мы так годами живём",
    "не верьте, в позапрошлом году тоже обещали",
    "до райцентра на электричке езжайте, с вокзала в семь есть",
    "вы им сами позволяете, соберите собрание и смените УК",
    "надо к открытию приходить, тогда талон берёте",
    "пишите сразу в прокуратуру, так быстрее будет",
    "это не к администрации, это председатель СНТ решает",
])
def test_advice_to_the_resident_above_is_chatter(text: str) -> None:
    assert kind_of(text, "other", _UNDER_A_QUESTION) == "chatter"


@pytest.mark.parametrize("text", [
    "поставьте уже фонарь у остановки, темно",  # a request to the administration
    "нам надо ехать в райцентр за 40 км, автобуса нет",  # the writer's own problem
    "у вас в администрации когда ответят про воду?",  # asks
])
def test_a_reply_with_a_request_or_a_problem_of_its_own_stays_a_question(text: str) -> None:
    assert kind_of(text, "roads", _UNDER_A_QUESTION) == "question"


def test_agreement_said_in_sarcasm_is_no_support() -> None:
    assert kind_of("ага, детей с незнакомыми отправлять. совет года 🙄", "other", _UNDER_A_QUESTION) == "chatter"


@pytest.mark.parametrize("text", [
    "а можно погромче",
    "что он сказал про мост? не расслышала",
    "Оля привет, ты на каком канале смотришь?",
    "смотрю с телефона, всё нормально идёт",
    "долго ещё? полчаса уже ждём",
    "Сосновка на связи ✋",
    "а вопросы из комментариев будут читать?",
])
def test_talk_about_the_stream_is_chatter(text: str) -> None:
    assert kind_of(text, "other") == "chatter"


@pytest.mark.parametrize("text", ["у меня вопрос про газ", "можно задать вопрос про Луговую?", "есть вопрос по школе"])
def test_a_comment_that_only_announces_a_question_is_chatter(text: str) -> None:
    assert kind_of(text, "other") == "chatter"


@pytest.mark.parametrize("text", [
    "у меня вопрос про газ: когда проведут в Заполье?",
    "вы не ответили про Заполье, когда будет газ?",
])
def test_an_announced_question_that_asks_stays_a_question(text: str) -> None:
    assert kind_of(text, "gas") == "question"


@pytest.mark.parametrize("text", [
    "звоните 112 ещё раз, пусть приезжают",
    "пишите заявление в соцзащиту, у нас получилось",
    "фотографируйте и сохраните чеки, потом в суд",
    "ставьте стабилизатор и не мучайтесь",
    "это к дорожникам, администрация тут ни при чём",
    "водитель тут ни при чём, ему рейсы урезали",
    "баню уже продали частнику, я слышал",
    "на двери поликлиники объявление висит, до весны",
])
def test_advice_and_hearsay_told_to_the_resident_above_are_chatter(text: str) -> None:
    assert kind_of(text, "other", _UNDER_A_QUESTION) == "chatter"


@pytest.mark.parametrize("text", [
    "там ещё и яма у моста, видела вчера",  # adds to the question: seeing is no hearsay marker
    "говорили до весны сделают, а когда точно?",  # asks
    "я слышала, что свет дадут в среду, прошу подтвердить",  # turns to the official
])
def test_a_reply_that_adds_or_asks_is_no_hearsay(text: str) -> None:
    assert kind_of(text, "roads", _UNDER_A_QUESTION) == "question"


@pytest.mark.parametrize("text,topic", [
    ("диспетчер не на связи третий день", "other"),
    ("где глава? дорогу не чистят", "roads"),
    ("долго ещё ждать ремонта дороги?", "roads"),
    ("связь пропала третий день", "communications"),
])
def test_a_problem_in_stream_words_stays_a_question(text: str, topic: str) -> None:
    assert kind_of(text, topic) == "question"


@pytest.mark.parametrize("text", [
    "провод висит над дорогой уже неделю",  # hangs: no notice
    "в УК говорили, что починят, до сих пор нет",  # hearsay beside a complaint
])
def test_a_reply_that_complains_is_no_hearsay(text: str) -> None:
    assert kind_of(text, "roads", _UNDER_A_QUESTION) == "question"
