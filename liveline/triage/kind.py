"""What a comment is: a ``question``, ``support`` (a "me too" reply, counted for its parent) or ``chatter``
(talk about the stream, greetings, thanks, praise, reactions, remarks on the process, off-topic talk).

Precision on real questions comes first: a question sent to "Чат" is worse than a "+1" left in "Новые", so a
comment is chatter only on a clear sign, and anything with a problem in it stays a question. The rules, in
order (measured with ``bench/triage.py --set tune``; the held-out district is only reported):

1. A reply under chatter (or spam) is chatter; a reply under a question that only agrees — "+" in any count,
   "+1000", a thumbs-up, "подтверждаю", "присоединяюсь", "поддерживаю", "и у нас так же", "живу там же",
   "тоже хотим знать" — is ``support``, whatever detail follows ("подтверждаю, вчера колесо пробил у аптеки"),
   unless it names another street or settlement than its parent (then it is a question of its own).
2. Only emoji, punctuation or laughter: chatter (support when it is a reply to a question).
3. The stream itself: sound, picture, broadcast, recording, "когда начнётся", "повторите, прерывалось".
4. Courtesy with nothing else: a greeting, thanks, a farewell, praise or congratulations, once greetings and
   addresses are taken off; thanks for an answer or for something done ("спасибо за ответ про мост", "спасибо
   за новую площадку") when no question and no "но" follows.
5. Remarks and off-topic talk ("ничего не сделают", "одни обещания", "кто подскажет электрика", "хватит
   спамить", "вопросы сюда писать?"), unless the comment also asks about a problem of a topic ("?" and a
   topic other than ``other``).
6. A top-level comment with nothing a problem is made of (``has_no_problem``): no topic, no street, no "?",
   no request, complaint or question word, no number.
7. A reply that talks to the resident above, not to the official (``_REPLY_TALK``): where to go ("в РЭС
   звоните", "им пишите", "спросите там"), whose business it is ("не администрация занимается", "при чём тут
   глава"), "не пишите свой лицевой", sympathy ("держитесь"), a laugh; never with "?" or a word to the
   administration or for the writer ("мне", "примите меры"); a joke marked by a laughing or rolling-eyes emoji.
8. A reply under a question that advises its writer (``_REPLY_ADVICE``: "усилитель купите", "кипятите и
   отстаивайте", "не верьте", "надо к открытию приходить") or talks to them in the second person ("у вас по
   программе на 2031", "вы им позволяете"), with the guards of rule 7. Sarcasm ("ага, … совет года 🙄") is no
   agreement (rule 1).
9. A reply that tells the resident above what the writer knows (``_REPLY_INFO``): hearsay ("я слышал",
   "говорили"), their own experience ("ходила сама", "у нас получилось"), where it is written ("объявление
   висит", "на сайте администрации"), with the guards of rule 7; seeing is no marker ("там ещё яма, видела
   вчера" adds to the question). A comment that only announces a question ("у меня вопрос про газ", "можно
   задать вопрос?") is chatter: the question comes in the next one.
Stream talk (3) and thanks (4) around a request or complaint ("звук плохой, но всё же спрошу: …", "спасибо за
ответ про лифт, его так и не починили") leave it a question (``_ASKS``). Tuned on the tune districts and the
flat blind files ``tests/data/triage_tune_extra.jsonl``, ``…_pii.jsonl``, ``…_threads.jsonl`` and ``…_chatter.jsonl``
(``--set extra``, ``pii``, ``threads``, ``chatter``); judged on ``heldout`` and ``fresh``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from liveline.triage.screen import Scan, Screen

Kind = str  # "question" | "support" | "chatter"
KINDS = ("question", "support", "chatter")

# one literal pass over a comment's lowercased text tells which rules below can match (triage/screen.py)
_SCREEN = Screen("kind")
_LETTERS = re.compile(r"[a-zа-яё0-9]", re.IGNORECASE)
_LAUGH = _SCREEN.rule(r"^\W*(?:(?:а?ха){2,}|(?:хе){2,}|(?:хи){2,}|ахах\w*|лол|ржу|ору)\W*$")

# a reply that agrees with its parent: the marker opens it, or closes it after a clause
_AGREE = (r"(?:\+{1,5}\d*|подтверждаю|присоединяюсь|поддерживаю|поддержу|согласен|согласна|"
          r"так\s+и\s+есть|то\s+же\s+самое|аналогично|и\s+у\s+нас\s+(?:так\s+же|также|тоже)|"
          r"у\s+нас\s+(?:так\s+же|также|то\s+же\s+самое)|тоже\s+(?:хотим|хочу|хотела?)\s+знать|"
          r"тоже\s+интересует|меня\s+тоже\s+интересует|живу\s+(?:там\s+же|рядом|напротив)|"
          r"в\s+этом\s+же\s+доме|тот\s+же\s+вопрос|такой\s+же\s+вопрос|подписываюсь|👍+|плюсую|"
          r"и\s+не\s+говорите|вот[- ]вот|такая\s+же\s+(?:ситуация|беда|проблема)|та\s+же\s+(?:беда|проблема|история)|"
          r"беда\s+та\s+же|жиза|правильный\s+вопрос|хороший\s+вопрос|тоже\s+интересно|"
          r"тоже\s+(?:давно\s+)?(?:хотела?|хочу)\s+спросить|актуально)")
# short words that agree only when they open the reply ("да, меня вчера чуть не покусали", "верно, …")
_AGREE_OPENER = rf"(?:{_AGREE}|да|ага|верно|точно|правда|ну\s+да|это\s+точно)"
_OWN_PLACE = _SCREEN.rule(r"\b(?:а\s+)?у\s+нас\s+(?:на|в|во)\b")
_SUPPORT_OPEN = _SCREEN.rule(rf"^\W*{_AGREE_OPENER}(?:\W|$)")
_SUPPORT_ANY = _SCREEN.rule(rf"(?:^|[\s,.!;:]){_AGREE}(?=[\s,.!;:)]|$)")

# the stream itself, however long the comment
_STREAM = _SCREEN.rule(
    r"\bзвук\w*|\bтрансляц\w*|\bчёрный\s+экран|\bчерный\s+экран|\bзаставк\w*|\bобновите\s+страниц|"
    r"\bэфир\w*\s+(?:будет|начн\w*|выложите)|\b(?:во\s+сколько|когда)\s+(?:будет\s+)?эфир|"
    r"\bждём\s+эфир|\bждем\s+эфир|\bпрям(?:ой|ая)\s+(?:эфир|линия)\s+или\s+запись|\bзапись\s+(?:эфира|будет)|"
    r"\bкогда\s+(?:уже\s+)?начн(?:ётся|ется|ёте|ете|ут)(?:\s+(?:эфир|трансляц\w*|линия|отвечать))?\W*$|\bссылк\w*\s+на\s+трансляц|\bмикрофон\w*|"
    r"\bплохо\s+слышно|\bгде\s+(?:можно\s+)?(?:посмотреть|смотреть|пересмотреть)\s+(?:запис|эфир|трансляц)|"
    r"\bэфир\w*\s+(?:закончил|окончен|прерв|оборвал|начал)\w*|\bвидео\s+(?:пропал|завис|не\s+(?:идёт|идет|грузит))\w*|"
    r"\bкамер\w*\s+(?:поправ|передвин|повер)|\bизображени\w*|\bэхо\b|\bгромкост\w*|\bсубтитр\w*|\bсурдоперев\w*|"
    r"\bв\s+кадр\w*|\bв\s+студии\b|\bв\s+каком\s+качестве|\bвылета\w*\s+(?:постоянно|с\s+телефона|из\s+трансляц)|"
    r"\bповтор\s+будет|\bуже\s+закончил\w*|\bзапис\w*\s+(?:потом\s+)?(?:будет|выложит|скиньте|эфира)|"
    r"\b(?:выложите|скиньте|выложить)\s+(?:потом\s+)?запис|\bкто[- ]нибудь\s+записывает|\bэфир\w*\s+где\s+посмотреть|"
    r"\b(?:вчерашн|прошл)\w+\s+эфир|\bтранслируете|\bссылк\w*\s+на\s+эфир|\bитоги\s+в\s+посте|"
    r"\bво\s+сколько\s+(?:закончится|конец)|\bсколько\s+(?:ещё\s+|еще\s+)?(?:будет\s+)?длит\w*|"
    r"\bследующий\s+вопрос|\bпозвонить\s+в\s+эфир|\b(?:мало|много)\s+(?:людей|народу)\s+смотр|\bпогромче\b|"
    r"\bне\s+расслышал\w*|\bна\s+каком\s+канале|\bты\s+тоже\s+смотр\w*|\bчтобы\s+(?:зачитали|прочитали)\b|"
    r"\bвопросы\s+из\s+комментари\w*\s+(?:будут\s+)?(?:читать|зачитыва\w*)|\bвопросы\s+закончатся|"
    r"\bоператор\w*\s+(?:уснул|спит)|\bсмотр(?:ю|им)\s+с\s+(?:телефона|работы|компа|ноутбука)|"
    r"\bвс[её]\s+норм\w*\s+(?:идёт|идет|показывает)",
)
# words that are about the stream only in a short line ("ничего не видно" is also a dark street)
_STREAM_SHORT = _SCREEN.rule(
    r"\bничего\s+не\s+(?:слышно|видно)|\bне\s+слышно\b|\bзавис\w*|\bтормозит\b|\bпрерыва\w*|"
    r"\bсвязь\s+прерв\w*|\bповторите\b|\bу\s+меня\s+(?:норм|нормально|всё\s+ок|все\s+ок|пошло|идёт|идет)|"
    r"\bкартинк\w*|\bгромче\b|\bне\s+груз\w*|\bлага\w*|\bплохо\s+видно|^\W*долго\s+ещ[её]\W*(?:(?:уже\s+)?(?:\d+\s+минут\w*|полчаса|час\w*)(?:\s+уже)?(?:\s+жд[её]м)?\W*)?$|"
    r"^\W*(?:(?:уже\s+)?\d{1,2}[:.]\d{2}\s*,?\s*)?где\s+глава(?:\s*-?\s*то)?\W*$|\bкто\s+(?:это\s+)?сейчас\s+говорит|"
    r"\bэто\s+кто\s+говорит|\bчто\s+он\s+сказал\b|"
    r"^\W*(?:(?:добр\w+\s+\w+|привет\w*|здравствуйте|всем\s+привет)\W+)?[\w-]+\s+на\s+связи\b",
)
SHORT = 70
COURTESY_ONLY_MAX = 160  # a longer comment is never courtesy alone
_THANKS_FOR_ANSWER = _SCREEN.rule(r"\bспасибо\s+(?:вам\s+)?за\s+(?:ответ|эфир|прям\w+\s+лини\w+|трансляц)")
# thanks or praise that opens the comment, with no question and no "but"
_THANKS = re.compile(r"^(?:[А-ЯЁ][а-яё]+(?:\s+[А-ЯЁ][а-яё]+)?,\s*)?(?:(?:большое|огромное|человеческое|от\s+всей\s+души|"
                     r"низкий\s+поклон\s+и)\s+)*(?:спасибо|благодар\w+)|^\W*(?:поздравля\w+|с\s+(?:днём|днем|праздник\w*|"
                     r"8\s+марта|новым\s+годом|наступающим|рождеством|пасхой|победой))\b", re.IGNORECASE)
_BUT = _SCREEN.rule(r"\b(?:но|однако|только|а\s+когда|а\s+вот)\b")
_COURTESY = re.compile(
    r"здра(?:в)?ствуй(?:те)?|добр(?:ый|ое|ого)\s+(?:день|вечер|утро|дня|вечера)|привет\w*|до\s+свидания|"
    r"всего\s+доброго|спасибо\w*|благодар\w*|здоровья\s+вам|молод(?:ец|цы)|"
    r"с\s+(?:наступающим|новым\s+годом|праздник\w*|днём|днем)\b[^?]*|поздравля\w*|"
    r"вы\s+красив\w*[^?]*|хорош(?:ая|ий)\s+(?:прям\w+\s+)?(?:лини\w+|эфир)|побольше\s+бы\s+таких|"
    r"правильн(?:о|ые)(?:\s+(?:говорит|говорите|слова))?|так\s+им\s+и\s+надо|всем|всех|вам|очень|"
    r"смотр\w+|ждём|ждем|эфир\w*|за\s+(?:эфир|линию|ответ\w*)|что\s+отвечаете\s+сами|"
    r"на\s+связи|привет\w*\s+от|здравия\s+желаю|здрасте|здрасьте|приветствую|вечер\s+в\s+хату|спс|пасиб\w*|"
    r"(?:огромное|большое|от\s+всей\s+души)(?:\s+человеческое)?\s+спасибо|лучший\s+глава[^?]*|так\s+держать|"
    r"пока[- ]пока|спокойной\s+ночи|до\s+встречи|поздравляю[^?]*|с\s+работы|первый\s+раз|зрители|добр(?:ый|ого)\b|"
    r"и\s+все|все|мне\s+на\s+смену|удачи|молодцы?|(?:и\s+)?ваш(?:ей|им)\s+(?:семье|близким|родным)|"
    r"отличн\w+\s+инициатив\w*|респект|по\s+делу|(?:надо\s+)?почаще\s+(?:бы\s+)?так(?:ое|ие)?(?:\s+делать)?",
)
# names and "из Сосновки" in a greeting: capitalised words, so case-sensitive
_ADDRESSED = re.compile(r"\bиз\s+[А-ЯЁ]\w+|[А-ЯЁ][а-яё]+\s+[А-ЯЁ][а-яё]+(?:вич|вна)\b|^[А-ЯЁ][а-яё]+,")
_REMARK = _SCREEN.rule(
    r"\bничего\s+не\s+сделают|\bодни\s+обещания|\bничего\s+конкретного|\bне\s+верю\b|"
    r"\bкак\s+всегда\s+до\s+выборов|\bнадеюсь,?\s+ответите|\bхорошо\s+бы\s+ответили|\bкто\s+подскажет|"
    r"\bкто[- ]нибудь\s+знает|\bкто\s+знает|\bкто\s+из\s+\w+\s+смотрит|\bкто\s+смотрит|\bхватит\s+спамить|"
    r"\bэто\s+развод\b|\bвопросы\s+сюда|\bсюда\s+(?:писать|вопросы)|\bили\s+в\s+личку|\bкуда\s+писать\s+вопрос|"
    r"\bправильно\s+говорит|\bопять\s+про\s+\w+|\bуже\s+не\s+верю|\bа\s+не\s+ответ\b|"
    r"\bответьте\s+(?:уже\s+)?на\s+мой\s+вопрос|\bмой\s+вопрос\s+(?:прочита|зачита|пропуст|проигнор|ответ)\w*|"
    r"\bпочему\s+(?:игнорир|не\s+отвеча|не\s+чита|пропуска)\w*|\bудаля\w+\s+(?:комментари|вопрос)\w*|"
    r"\bцензур\w*|\bнеудобн\w+\s+вопрос\w*|\bвопросы\s+(?:подобран\w*|заранее)|\bкто\s+ещё\s+смотрит|"
    r"\bв\s+прошлый\s+раз\s+тоже\s+обещал\w*|\bсколько\s+можно\s+обещать|"
    r"\bмо(?:й|и|ё|е)\s+(?:вопрос\w*|комментари\w*|коммент\w*)\s+(?:удал|проигнор|игнорир|пропуст|не\s+(?:прочит|зачит|ответ))\w*|"
    r"\bего\s+нет\s+в\s+списке|\bмо(?:й|и|ё|е)\s+(?:комментари\w*|коммент\w*)\s+удал\w*|\bвопрос\w*\s+(?:отбира\w*|читайте|к\s+модератор\w*)|"
    r"\bкоммент\w*\s+удал\w*|\bудал\w*\s+(?:неудобн\w+\s+)?коммент\w*|\bпро\s+нашу\s+(?:деревню|улицу|село)\s+будет|"
    r"\bвопрос\s+про\s+\w+(?:-то)?\s+(?:уже\s+был|будет)|\bгде\s+вопрос\s+про|\bсюда\s+повторять|\bпод\s+каким\s+постом|"
    r"\bанонимно|\bзадать\s+вопрос\s+главе|\bзаписаться\s+на\s+при[её]м\s+к\s+главе|\bв\s+чат\s+можно|"
    r"\bсъехал\s+с\s+темы|\bне\s+ответил\w*\s+на\s+вопрос|\bвопрос[- ]то\s+не\s+ответил|\bна\s+выборы\b|"
    r"\bзарплат\w*\s+себе|\bсмысла\s+нет|\bотключаюсь|\bкто\s+(?:это\s+)?рядом\s+(?:сидит|с\s+главой)|"
    r"\bотчита\w*\s+что\s+сделали|\bзачем\s+(?:эти|такие)\s+эфиры|\bпообещать\s+не\s+значит|\bсказки\s+рассказыва|"
    r"\bни\s+о\s+ч[её]м\s+(?:говорит|отвеча\w*)|\bзапомним\b|\bсам\s+не\s+знает\b|\bнаконец[- ]то\s+(?:про|спросили)|"
    r"\bхоть\s+честно\b|\bсказал\s+\W*рассмотрим|\bне\s+ответили\s+про\b|\bвыбирают\s+только\s+удобн\w*|"
    r"\bхорошо\s+что\s+(?:хоть\s+)?(?:прям\w+\s+лини\w+|эфир\w*)\s+(?:делают|проводят)",
)
# a comment that only announces a question ("у меня вопрос про газ", "можно задать вопрос?"): the question itself
# comes in the next comment
_ANNOUNCE = _SCREEN.rule(r"^\W*(?:а\s+)?(?:у\s+меня\s+(?:есть\s+)?|есть\s+|можно\s+(?:задать\s+)?)(?:один\s+)?вопрос\w*"
                         r"(?:\s+(?:про|по|к|о|об)\s+[\w-]+(?:\s+[\w-]+)?)?\W*$")
# a short line that only sums the broadcast up or waits ("всё понятно", "ждём ответа", "показуха"); in a longer
# comment these words may sit beside a real complaint
_REMARK_SHORT = _SCREEN.rule(
    r"^\W*(?:ну\s+|всё\s+|все\s+|ок,?\s+)?(?:понятно|ясно)\W*$|^\W*опять\s+вода\W*$|\bжд(?:у|ём|ем)\s+ответ\w*|\bпоказух\w*|"
    r"\bпиар\w*|\bцирк\b|\bклоун\w*|\bбалабол\w*|\bотписк\w*|\bболтовн\w*|\bпустые\s+слова|\bобщие\s+слова",
)


# a reply that talks to the resident above rather than to the official (rule 7): advice on where to go, an
# explanation of whose business it is, sympathy, a laugh. Only in a reply, without "?", and never when it also
# turns to the administration or asks for something for the writer ("позвоните мне", "примите меры")
_REPLY_TALK = _SCREEN.rule(
    r"(?:^|[\s,.!;:])(?:им|туда|ему|ей|сами|лучше)\s+(?:и\s+)?(?:звоните|пишите|обращайтесь|жалуйтесь)\b|"
    r"\b(?:звоните|пишите|обращайтесь|жалуйтесь|сходите|идите)\s+(?:сразу\s+|лучше\s+)?(?:в|во|на|к|им|туда|через)\b|"
    r"\bне\s+к\s+(?:администраци\w*|главе)\b|\bэто\s+не\s+администраци\w*|"
    r"^\W*(?:в|во|к|через)\s+[\w-]+(?:\s+[\w-]+)?\s+(?:звоните|пишите|обращайтесь|жалуйтесь|идите)\b|"
    r"^\W*\w+(?:ому|ему)\s+(?:звоните|пишите)\b|\b(?:спросите|узнайте)\s+(?:там|у\s+них|в\s+\w+)\b|"
    r"\bне\s+(?:пишите|светите|выкладывайте)\s+(?:свой|свою|свои|сво[её])\b|\bне\s+администраци\w*\s+(?:занима|ставит|дела|отвеча)\w*|"
    r"\bпри\s+ч[её]м\s+(?:тут|здесь)(?:\s+(?:глава|администрация|мэр))?\b|\bэто\s+к\s+нему\b|\bне\s+надо\s+хамить|\bвы\s+молод(?:ец|цы)\b|"
    r"^\W*(?:держитесь|сочувствую)\b|^\W*(?:а?ха){2,}\w*|^\W*(?:ахах|хаха)\w*|[😂🤣😆😄😁🙃🙄😏]|"
    r"\b(?:администраци\w*|глав\w*|район|город)\s+(?:тут\s+|здесь\s+)?(?:бесполезн\w*|(?:ни|не)\s+при\s+ч[её]м|"
    r"ничего\s+не\s+решает|(?:им\s+)?не\s+указ|штрафы\s+не\s+выписывает)|\b(?:тут|здесь)\s+(?:ни|не)\s+при\s+ч[её]м\b")
# advice to the resident above (rule 8): what to do about it themselves ("кипятите и отстаивайте", "усилитель купите",
# "на электричке езжайте", "не сдавайте и всё", "не верьте"), or talk to them in the second person ("у вас по
# программе на 2031", "вы им позволяете"); the same guards as rule 7
_REPLY_ADVICE = _SCREEN.rule(
    r"\b(?:езжайте|поезжайте|отдайте|кипятите|отстаивайте|купите|покупайте|закажите|соберите|смените|попробуйте|"
    r"приходите|подавайте|поговорите|требуйте|не\s+(?:верьте|сдавайте|платите|гоняйте|ждите|слушайте|переживайте))\b|"
    r"\b(?:у\s+вас|вы\s+(?:им|сами|же|бы)|вам\s+(?:лишь|бы|надо|нужно))\b|\bсами\s+(?:попробуйте|виноваты)\b|"
    r"\b(?:надо|нужно|лучше)\s+(?:\S+\s+){0,3}?(?:приходить|прийти|звонить|позвонить|писать|написать|идти|сходить|ехать|"
    r"съездить|записываться|записаться|обращаться|обратиться|жаловаться)\b|"
    r"\b(?:ставьте|собирайте|фотографируйте|сохраните|обжалуйте|возите|удалите|удаляйте|выражайтесь|задавай\w*|"
    r"не\s+(?:оскорбляйте|трогайте))\b|\bзвоните\s+(?:\d+|ещ[её])|\bсмотрите\s+в\b|"
    r"\bпишите\s+(?:заявлени\w*|претензи\w*|жалоб\w*|письменно|сразу|по\s+существу)|\b(?:по\s+существу|под\s+постом)\s+пишите")
# a reply that tells the resident above what the writer knows (rule 9): hearsay, their own experience, where it is
# written; the same guards as rule 7 ("там ещё яма, видела вчера" adds to the question: seeing is no marker)
_REPLY_INFO = _SCREEN.rule(
    r"\b(?:я\s+слышал\w*|говорили|узнавал[аи]?|ходил[аи]?\s+сам[аи]?|(?:у\s+(?:нас|соседа|соседки)\s+)?получилось|"
    r"проходили|лично\s+знаю|сам\s+жаловался|(?:объявлени\w*|расписани\w*|документ\w*|список|график)\s+(?:\w+\s+)?висит|"
    r"висит\s+(?:объявлени|расписани|список|график)\w*|в\s+анонсе|в\s+бюджете\s+видел\w*|"
    r"на\s+сайте\s+(?:администрации|области|школы|района)\b)")
_TO_OFFICIAL = _SCREEN.rule(r"\b(?:администраци\w*|глав\w*|мэр\w*|мне|нам|прошу|просим|примите|ответьте|сделайте|"
                            r"почините|уберите|помогите|разберитесь|проверьте|когда|почему|сколько)\b")


# what keeps a reply that also complains a question under rule 9 ("в УК говорили, что починят, до сих пор нет")
_COMPLAINT = _SCREEN.rule(r"\b(?:нет|опять|снова|до\s+сих\s+пор|так\s+и\s+не|всё\s+ещё|все\s+еще|никто|ничего\s+не)\b")


_SARCASM = _SCREEN.rule(r"🙄|😏|\bну-ну\b|\bсовет\s+года\b")


@lru_cache(maxsize=8)
def _scan(low: str) -> Scan:
    """The literal pass over one lowercased comment: ``kind_of``'s rules each read it, once."""
    return _SCREEN.scan(low)


@dataclass(frozen=True)
class Parent:
    """What the kind of a reply depends on: its parent's kind and where the parent's problem is."""

    kind: Kind
    street: str | None = None
    settlement: str | None = None
    topic: str | None = None  # known for a question: an addition is about the same matter
    filtered: bool = False  # hidden by a filter: nothing joins it


def is_support(text: str, parent: Parent | None, street: str | None = None,
               settlement: str | None = None) -> bool:
    """A reply under a question that only agrees with it (rule 1), at no other street or settlement."""
    if parent is None or parent.kind != "question":
        return False
    stripped = text.strip()
    if not _LETTERS.search(stripped):
        return bool(stripped)  # "👍", "+", "!!!" under a question
    low = stripped.lower()
    seen = _scan(low)
    if not (seen.search(_SUPPORT_OPEN) or (len(low) < 120 and seen.search(_SUPPORT_ANY))):
        return False
    if seen.search(_SARCASM):
        return False  # "ага, детей с незнакомыми отправлять. совет года 🙄": no agreement at all
    if street and street != parent.street:
        return False  # "и у нас так же, на Луговой…": a question of its own
    if street and seen.search(_OWN_PLACE):
        return False  # "у нас на Первомайской 14 то же самое": the same problem at the writer's own address
    return not (settlement and parent.settlement and settlement != parent.settlement and not street)


# what a question about life in the district has even without a topic word: a request ("уберите", "помогите"),
# a complaint marker ("нет", "не", "опять"), a question word, a number (a house, a route, a sum)
_PROBLEM_MARK = _SCREEN.rule(
    r"\b\w+(?:йте|ите)\b|\b(?:нет|не|ни|никак\w*|никто|некуда|негде|невозможно|опять|снова|когда|почему|зачем|"
    r"сколько|где|куда|кто|как|что|будет|будут|можно|нужн\w*|надо|прошу|просим|помог\w*)\b|\d")
_NO_PROBLEM_MAX = 200


# a comment that asks or complains, whatever courtesy or stream talk is around it
_ASKS = _SCREEN.rule(r"\b\w+(?:йте|ите)\b|\b(?:прошу|просим|вопрос\s*:|вопрос\s+по|когда|почему|зачем|сколько|нет|опять|"
                      r"снова|так\s+и\s+не|до\s+сих\s+пор|напоминаю)\b|\bне\s+(?!за\s)\w+")


def has_no_problem(text: str, topic: str, street: str | None) -> bool:
    """A top-level comment with nothing a problem is made of: no topic, no street, no question mark, no request,
    complaint or question word, no number ("Добрый вечер, Ягодное на связи", "изображение перевёрнуто 😂")."""
    low = text.lower()
    seen = _scan(low)
    return (topic == "other" and not street and "?" not in low and len(low) <= _NO_PROBLEM_MAX
            and not seen.search(_PROBLEM_MARK))


def is_chatter(text: str, topic: str, parent: Parent | None = None) -> bool:
    """Rules 2-5: stream talk, courtesy only, reactions, remarks; never a comment that asks about a problem."""
    if parent is not None and parent.kind == "chatter":
        return True
    stripped = text.strip()
    low = stripped.lower()
    seen = _scan(low)
    if (parent is not None and "?" not in low and seen.search(_REPLY_TALK)
            and not _TO_OFFICIAL.pattern.search(_REPLY_TALK.pattern.sub(" ", low))):
        return True  # talk to the resident above (rule 7)
    if (parent is not None and parent.kind == "question" and "?" not in low and seen.search(_REPLY_ADVICE)
            and not seen.search(_TO_OFFICIAL)):
        return True  # advice to the resident above (rule 8)
    if (parent is not None and "?" not in low and seen.search(_REPLY_INFO)
            and not _TO_OFFICIAL.pattern.search(_REPLY_INFO.pattern.sub(" ", low)) and not seen.search(_COMPLAINT)):
        return True  # what the writer knows, told to the resident above (rule 9)
    if seen.match(_ANNOUNCE):
        return True
    if not _LETTERS.search(low) or seen.match(_LAUGH):
        return True
    asks = seen.search(_ASKS)
    if seen.search(_STREAM) and (topic == "other" or len(low) <= SHORT or not asks):
        return True  # the stream itself ("звук плохой, но всё же спрошу: канализация…" asks about a problem)
    if len(low) <= SHORT and seen.search(_STREAM_SHORT):
        return True
    if "?" in low and topic != "other":
        return False  # asks about a problem: the common case, and nothing below may hide it
    thanks = _THANKS.match(stripped) or seen.search(_THANKS_FOR_ANSWER)
    if thanks and not seen.search(_BUT) and not asks and "?" not in low:
        return True
    if len(low) <= COURTESY_ONLY_MAX:
        rest = _COURTESY.sub(" ", _ADDRESSED.sub(" ", stripped).lower())
        if not re.search(r"[а-яёa-z]{3,}", rest) and "?" not in rest:
            return True
    return bool(seen.search(_REMARK) or (len(low) <= SHORT and seen.search(_REMARK_SHORT)))


# a reply that turns to a matter of its own: "а …", "кстати …", "и ещё вопрос", "у нас так же"
_OWN_MATTER = _SCREEN.rule(r"^\W*(?:а\b|кстати\b|и\s+ещ[её]\s+вопрос|ещ[её]\s+вопрос|вопрос\b|у\s+нас\b|и\s+у\s+нас\b|"
                           r"а\s+у\s+нас\b|мы\s+тоже\b|у\s+меня\s+тоже\b)|\bу\s+нас\s+так\s+же|\bу\s+нас\s+тоже")
# words that tie a reply to its parent's matter ("там ещё…", "особенно по утрам", "там же затопило"): such a reply
# adds to the parent even when its words belong to another topic (a pole by the unlit street)
_ANAPHORA = _SCREEN.rule(r"^\W*(?:там|особенно|ещ[её]|причём|причем|при\s+этом|к\s+тому\s+же|тем\s+более|плюс|"
                         r"кроме\s+того|вдобавок|так\s+ещ[её]|да\s+и)\b|\bтам\s+же\b|\bв\s+том\s+же\b|\bу\s+них\s+же\b")
ADDITION_MAX = 200  # a longer reply says enough to stand on its own


def is_addition(text: str, topic: str, parent: Parent | None, street: str | None = None,
                settlement: str | None = None) -> bool:
    """A reply under a question that only adds to it ("там ещё у 20 дома столб покосился", "особенно по
    утрам", "уже третью неделю"): its parent's card is offered first for one-click joining (it is never joined
    unasked: ``pipeline.suggest_parent``). Precision first: a
    reply that asks ("?"), turns to its own matter ("а …", "кстати …", "у нас …"), names another street or
    settlement, is about another topic, or is long enough to stand alone is a question of its own."""
    if parent is None or parent.kind != "question" or parent.filtered:
        return False
    low = text.strip().lower()
    seen = _scan(low)
    if not low or "?" in low or len(low) > ADDITION_MAX or seen.search(_OWN_MATTER) or seen.search(_OWN_PLACE):
        return False
    if street and street != parent.street:
        return False
    if settlement and settlement != parent.settlement:
        return False
    return topic in ("other", parent.topic) or parent.topic is None or bool(seen.search(_ANAPHORA))


def kind_of(text: str, topic: str, parent: Parent | None = None, street: str | None = None,
            settlement: str | None = None, spam: bool = False) -> Kind:
    """The kind of one comment (``parent`` for a reply whose parent is known)."""
    if spam:
        return "chatter"
    if is_support(text, parent, street, settlement):
        return "support"
    if is_chatter(text, topic, parent) or (parent is None and has_no_problem(text, topic, street)):
        return "chatter"
    return "question"
