import pytest

from liveline.triage.pii import PiiSpan, find_pii, mask_pii


@pytest.mark.parametrize("phone", ["+7 (912) 345-67-89", "8-912-345-67-89", "89123456789", "8 912 345 67 89",
                                   "9123456789", "8 (3452) 55-66-77"])
def test_phones_are_masked(phone):
    assert mask_pii(f"звоните {phone} Анна") == "звоните [телефон скрыт] Анна"


def test_local_number_needs_a_phone_word():
    assert mask_pii("тел. 2-34-56 не отвечает") == "тел. [телефон скрыт] не отвечает"
    text = "д. 15 кв. 7, в 2024 году собрали 15000 руб, заявка от 12.03.2024"
    assert find_pii(text) == []


def test_other_kinds():
    text = "почта ivan@mail.ru, паспорт 4510 123456, снилс 123-456-789 01, карта 4276 1600 1234 5678, ИНН 123456789012"
    assert [s.kind for s in find_pii(text)] == ["email", "passport", "snils", "card", "inn"]
    assert mask_pii(text) == ("почта [e-mail скрыт], паспорт [паспорт скрыт], снилс [СНИЛС скрыт], "
                              "карта [номер карты скрыт], ИНН [ИНН скрыт]")
    assert find_pii("ivan@mail.ru")[0] == PiiSpan(0, 12, "email")


def test_a_utility_account_and_a_passport_by_series_and_number_are_found_and_masked() -> None:
    from liveline.triage.pii import find_pii, mask_pii

    text = "За отопление начислили 4800. Лицевой счёт 7700123456, л/с 40123"
    assert [s.kind for s in find_pii(text)] == ["account", "account"]
    assert mask_pii(text).endswith("Лицевой счёт [лицевой счёт скрыт], л/с [лицевой счёт скрыт]")
    assert [s.kind for s in find_pii("заявление в МФЦ, серия 6519 номер 044872")] == ["passport"]
    assert find_pii("на Ленина 12 счётчик поставили в 2019 году за 40123 рубля") == []


@pytest.mark.parametrize("text", [
    "Звонила на горячую линию 8-800-100-22-33, никто не берёт трубку",
    "в диспетчерскую 8 (3452) 12-34-56 не дозвониться вторые сутки",
    "регистратура ЦРБ 8 48235 2-14-57 молчит с утра",
])
def test_a_services_line_is_nobodys_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_a_residents_number_beside_a_service_is_still_masked() -> None:
    text = "Диспетчерская не отвечает, перезвоните мне 8 912 345 67 89"
    assert [s.kind for s in find_pii(text)] == ["phone"]


@pytest.mark.parametrize(("text", "kind"), [
    ("Перезвоните пожалуйста! 8 9 1 0 4 4 4 2 2 1 1 — по поводу протечки", "phone"),
    ("номер мой: 8 9 6 0 - 1 2 3 - 4 5 - 6 7", "phone"),
    ("Мой лицевой 203-445-118, Теплосеть выставила долг", "account"),
    ("ЛС № 7700123 Теплосеть, платим за снесённый гараж", "account"),
    ("пишите мне на petrova dot olga собака gmail.com", "email"),
])
def test_personal_data_written_with_gaps_or_spelled_out_is_found(text: str, kind: str) -> None:
    assert [s.kind for s in find_pii(text)] == [kind]


@pytest.mark.parametrize(("text", "kind"), [
    ("ЛС 120034, долг за капремонт неправильный", "account"),
    ("ЛС в ЭкоЛайн 590012345, начисляют на троих", "account"),
    ("абонентский номер 0512 3378, газ по нормативу", "account"),
    ("затопили сверху, звоните 8.912.650.22.19", "phone"),
    ("меня зовут Ольга, тел 345-678 домашний", "phone"),
    ("Геннадий Иванович, дом. 2-53-18", "phone"),
    ("паспорт: 6515-334455. выписку не дают", "passport"),
    ("ответ на почту nikolaev_a_v @ bk.ru пожалуйста", "email"),
    ("мой ИНН 591101234567, вычет не пришёл", "inn"),
])
def test_how_residents_write_their_numbers(text: str, kind: str) -> None:
    assert [s.kind for s in find_pii(text)] == [kind]


@pytest.mark.parametrize("text", [
    "подрядчик ООО Дорстрой-М ИНН 5911012345, а в январе уже ямы",  # ten digits: an organisation's INN
    "договор на техприсоединение № 1204/26 от марта, газ не подключили",  # a contract is no personal account
    "отключат 12.03.2025 с 8.00 до 18.30, дом 14 кв 87",
])
def test_numbers_that_name_no_person(text: str) -> None:
    assert find_pii(text) == []


@pytest.mark.parametrize("text", [
    "позвоните мне, расскажу. восемь девятьсот десять, сто двадцать три, сорок пять, шестьдесят семь",
    "звоните восемь девятьсот пятьдесят два, сто двадцать три, сорок, сорок",
    "мой номер девятьсот двенадцать триста сорок пять шестьдесят семь восемьдесят девять",
])
def test_a_phone_said_in_words_is_found(text: str) -> None:
    assert [s.kind for s in find_pii(text)] == ["phone"]


def test_counted_things_said_in_words_are_no_phone() -> None:
    assert find_pii("у нас пять домов, три подъезда, два лифта и семь этажей") == []
    assert find_pii("сто двадцать три семьи без воды, сорок пять детей") == []


@pytest.mark.parametrize("text", [
    "писала на почту УК uk-nashdvor@mail.ru и в администрацию priemnaya@klyuchegorsk-okrug.ru, ответа нет",
    "отправила жалобу в приёмную на adm-luzhsk@mail.ru месяц назад",
])
def test_an_organisations_email_is_nobodys_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_a_residents_email_beside_an_organisation_is_still_masked() -> None:
    assert [s.kind for s in find_pii("УК не отвечает, пишите мне ivanova@mail.ru")] == ["email"]


def test_an_organisation_s_mail_and_busy_city_number_are_nobody_s() -> None:
    assert find_pii("МУП Водоканал, e-mail vodokanal-sosn@mail.ru не отвечает, по телефону 2-14-40 занято") == []
    assert [s.kind for s in find_pii("мой тел. 2-14-40 занято бывает, звоните вечером")] == ["phone"]
    assert [s.kind for s in find_pii("сын живёт в Перми, его номер 89021330754 не отвечает")] == ["phone"]
