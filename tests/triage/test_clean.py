from liveline.triage.clean import reading_text, safe_text


def test_safe_text_replaces_controls_and_lone_surrogates_only():
    assert safe_text("Когда\x00 свет\ud800?\x85") == "Когда\ufffd свет\ufffd?\ufffd"
    assert safe_text("строка\nвторая\tтаб") == "строка\nвторая\tтаб"


def test_safe_text_keeps_html_literal_and_composes_nfc():
    assert safe_text("<b>Когда</b> & где") == "<b>Когда</b> & где"
    assert safe_text("е\u0308лка") == "ёлка"


def test_reading_text_strips_greeting_and_sign_off():
    assert reading_text("Здравствуйте! когда отремонтируют дорогу на ул. Ленина???  Заранее спасибо!") == \
        "Когда отремонтируют дорогу на ул. Ленина?"
    assert reading_text("Уважаемый Сергей Викторович! Когда будет автобус? С уважением, Иван") == "Когда будет автобус?"
    assert reading_text("Доброго времени суток, почему нет света") == "Почему нет света"


def test_reading_text_resolves_vk_mentions_and_removes_invisible_chars():
    assert reading_text("[id123|Иван] прав,\u200b а [club5|Администрация] молчит\u202e") == "Иван прав, а Администрация молчит"


def test_reading_text_keeps_emoji_and_trims_combining_floods():
    assert reading_text("когда парк 😀👍") == "Когда парк 😀👍"
    assert reading_text("з\u0301\u0301\u0301\u0301\u0301алго") == "З\u0301\u0301алго"


def test_reading_text_never_empty_for_courtesy_only():
    assert reading_text("Спасибо!") == "Спасибо!"
    assert reading_text("Здравствуйте") == "Здравствуйте"
