import pytest

from liveline.triage.spam import FloodTracker, spam_reason


@pytest.mark.parametrize("text", ["смотрите https://youtube.com/x", "www.skidki.ru", "подписывайтесь t.me/novosti",
                                  "vk.cc/abc123", "всё на сайте dengi-bystro.ru"])
def test_links(text):
    assert spam_reason(text) == "link"


@pytest.mark.parametrize("text", ["Продам гараж недорого 89123456789", "Заработок от 3000 в день, пишите в лс",
                                  "Кредит без справок! звоните 8-912-345-67-89"])
def test_ads(text):
    assert spam_reason(text) == "ad"


@pytest.mark.parametrize("text", ["сайт администрации не работает", "телефон ЖЭК 8-3452-12-34-56 не отвечает",
                                  "на gosuslugi.ru не могу записаться", "ответьте на ivan@mail.ru"])
def test_ordinary_questions_are_not_spam(text):
    assert spam_reason(text) is None


def test_repeat_and_flood():
    flood = FloodTracker(window_s=600, max_per_window=3)
    assert flood.observe("u1", "Когда дорога?", 0) is None
    assert flood.observe("u1", "когда  дорога!!", 10) == "repeat"
    assert flood.observe("u2", "Когда дорога?", 10) is None
    assert flood.observe("u1", "а свет?", 20) is None
    assert flood.observe("u1", "а вода?", 30) == "flood"
    assert flood.observe("u1", "Когда дорога?", 1000) is None  # the window has passed


def test_memory_is_bounded():
    flood = FloodTracker(window_s=10, max_per_window=5, max_authors=100)
    for i in range(1000):
        flood.observe(f"u{i}", "вопрос", float(i))
    assert len(flood) <= 11


def test_a_resident_leaving_a_callback_number_is_no_ad_but_a_shop_promotion_is() -> None:
    from liveline.triage.spam import spam_reason

    assert spam_reason("Усть-Кременка — газ будет или нет? Собрали документы на 40 домов. Звоните 89226011453") is None
    assert spam_reason("Натяжные потолки от 290 руб/м2! Замер бесплатно. Звоните 8-900-555-12-34") == "ad"
    assert spam_reason("Магазин «Домовой» — новое поступление семян! Скидки пенсионерам 10%") == "ad"
    assert spam_reason("🎁 Розыгрыш iPhone среди подписчиков! Сделай репост") == "ad"


@pytest.mark.parametrize("text", [
    "Инвестиции с доходом от 5% в неделю, без риска! Подробности у меня на странице",
    "Пассивный доход для пенсионеров, звоните 89001234567",
    "Биткоин растёт, успей купить, обучаю трейдингу",
    "Требуются курьеры, оплата каждый день",
    "Грандиозная распродажа в магазине «Уют» на Садовой!",
    "Акция только до 30 апреля: окна со скидкой, звоните по номеру 8 912 000 11 22",
    "Натяжные потолки недорого, работаем без выходных",
    "Спишем долги по кредитам законно, банкротство физлиц",
])
def test_scams_job_offers_and_shop_promotions_are_ads(text: str) -> None:
    assert spam_reason(text) == "ad"


@pytest.mark.parametrize("text", [
    "Есть ли в ЦРБ вакансии для медсестёр? Дочь заканчивает колледж",
    "Когда откроют магазин в Луговом? Ходим за хлебом за 5 км",
    "Почему за вывоз мусора начислили 612 рублей вместо 310?",
    "Дрова для пенсионеров в этом году будут бесплатно?",
])
def test_questions_about_jobs_shops_and_prices_are_not_ads(text: str) -> None:
    assert spam_reason(text) is None


@pytest.mark.parametrize("text", ["Кафе «Берёзка» приглашает на новогодние корпоративы! Меню от 2500 на человека",
                                  "Маникюр, наращивание, педикюр 💅 запись в директ, адрес Мира 7",
                                  "Сдаю квартиру посуточно в центре, чисто, уютно",
                                  "ПЕРЕХОДИ ПО ССЫЛКЕ В ПРОФИЛЕ И ПОЛУЧИ 3000 НА КАРТУ!!!",
                                  "Требуется водитель категории Д, з/п от 60000"])
def test_offers_however_worded_are_ads(text: str) -> None:
    assert spam_reason(text) == "ad"


def test_one_word_or_symbol_over_and_over_is_flood_but_a_row_of_pluses_is_not() -> None:
    assert spam_reason("позор позор позор позор позор") == "flood"
    assert spam_reason("👎" * 12) == "flood"
    assert spam_reason("+++++") is None and spam_reason("👍👍👍👍") is None


def test_an_e_mail_providers_name_is_no_link() -> None:
    assert spam_reason("пишите мне на petrova собака gmail.com, расскажу про свалку") is None


@pytest.mark.parametrize("text", ["ОКНА ПВХ от производителя, -40% до конца февраля! Замер 0 р.",
                                  "Бурение скважин, цена от 2 800 р/м. Тел/WhatsApp 8-912-555-19-19 Сергей",
                                  "Тортики на заказ 🎂 бенто от 900 р, пишите 89124563390",
                                  "Инвестиции в золото с гарантией 40% годовых, лицензия ЦБ",
                                  "Пенсионерам положена выплата 8 500 р. Переведите госпошлину 350 р на карту"])
def test_offers_and_scams_that_ask_nothing_are_ads(text: str) -> None:
    assert spam_reason(text) == "ad"


@pytest.mark.parametrize("text", [
    "я ИП, пеку торты на заказ дома, можно ли торговать на ярмарке у ДК?",
    "нет учителя русского, родители ищут репетиторов по 1000 р/час. когда будет учитель?",
    "взнос 9,85 руб/м2, квартира 61,4 м2 = 604,79. а начислено 1 209,58. двойное?",
    "мне как многодетной положена компенсация за садик, 7 месяцев не платят",
])
def test_a_resident_naming_a_price_or_an_order_is_no_ad(text: str) -> None:
    assert spam_reason(text) is None


@pytest.mark.parametrize("text", [
    "на сайте администрации klyuchegorsk-okrug.ru раздел обращений не открывается, как подать?",
    "вот фото ямы https://vk.com/photo-21874433_457239410 колесо пробила, компенсацию можно получить?",
    "писала в администрацию priemnaya@klyuchegorsk-okrug.ru, ответа нет",
])
def test_a_municipal_site_or_a_vk_photo_cited_in_a_question_is_no_link(text: str) -> None:
    assert spam_reason(text) is None


def test_a_vk_group_promoted_is_still_a_link() -> None:
    assert spam_reason("подписывайтесь vk.com/club123456 там всё про наш район") == "link"


def test_write_to_me_privately_is_an_ad_only_when_it_asks_nothing() -> None:
    assert spam_reason("Зарабатывай от 5000 в день не выходя из дома! Пиши в лс") == "ad"
    assert spam_reason("собираем подписи на замену трансформатора, кто с Шахтной пишите в лс. примет ли "
                       "администрация коллективное обращение?") is None


def test_a_resident_asking_whether_a_free_service_will_be_offered_is_no_ad() -> None:
    assert spam_reason("психология подростков, будут ли бесплатные консультации") is None
    assert spam_reason("Бесплатные консультации юриста, звоните 8-912-555-19-19") == "ad"


@pytest.mark.parametrize("text", [
    "Работа в интернете от 3000 в день, пиши + в лс",
    "Юридические услуги: банкротство, наследство. Консультация бесплатно! Пишите в сообщения группы",
    "Дрова колотые, машина 5 куб 9000 с доставкой по району. 89611234455",
])
def test_job_scams_services_and_goods_with_delivery_are_ads(text: str) -> None:
    assert spam_reason(text) == "ad"


def test_a_municipality_s_vk_page_cited_is_no_link_spam() -> None:
    assert spam_reason("график вывоза есть в группе администрации vk.com/sosnovka_adm, в закрепе") is None
    assert spam_reason("https://vk.com/admsosnovka там расписание") is None
    assert spam_reason("заходите к нам vk.com/best_okna_sale") == "link"
